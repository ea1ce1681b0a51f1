/**
 * The quick fault suite, run by `npm test`: scenarios 1 (kill -9 of the app), 4 (PostgreSQL
 * stopped) and 5 (the app paused past the consumer's session timeout), each with a short load,
 * on the run's Kafka broker and a PostgreSQL this file starts itself. They run side by side to
 * keep the run short; each has its own app, topic, group and database. The full suite, with all
 * seven scenarios and longer loads, is `npm run test:faults`.
 */
import { afterAll, beforeAll, describe, it, type ExpectStatic } from 'vitest';
import { testBrokers } from '../support/kafka.js';
import { startPostgres, type LocalPostgres } from './support/postgres.js';
import { killAllManaged } from './support/processes.js';
import { formatTable, type ScenarioRow } from './support/report.js';
import { expectScenarioHeld, runScenario, type ScenarioSpec } from './support/scenario.js';
import { killApp, pauseApp, stopPostgres } from './support/scenarios.js';

const QUICK = { ratePerSecond: 30, warmupMs: 3_000, afterRecoveryMs: 4_000, recoveryBoundMs: 60_000, drainTimeoutMs: 30_000 };
const rows: ScenarioRow[] = [];
// Scenario 4 stops its PostgreSQL: it gets a server of its own, so the others never see that.
let pg: LocalPostgres;
let pgStopped: LocalPostgres;

async function quick(name: string, faults: ScenarioSpec['faults'], expect: ExpectStatic, server: LocalPostgres = pg) {
  const database = await server.createDatabase(`quick_${rows.length}_${Math.random().toString(36).slice(2, 8)}`);
  const result = await runScenario({ ...QUICK, name, brokers: testBrokers(), databaseUrl: database, faults });
  rows.push(result.row);
  expectScenarioHeld(result, expect);
}

describe.concurrent('faults, quick (the full suite: npm run test:faults)', () => {
  beforeAll(async () => {
    [pg, pgStopped] = await Promise.all([startPostgres(), startPostgres()]);
  });
  afterAll(async () => {
    await killAllManaged();
    await Promise.all([pg?.destroy(), pgStopped?.destroy()]);
    if (rows.length) console.log(`\nFault suite (quick):\n${formatTable(rows)}\n`);
  });

  it('1. kill -9 of the app mid-load, restarted: nothing lost, duplicated or unpushed', { timeout: 240_000 }, async ({ expect }) => {
    await quick('quick 1: kill -9 app', killApp(), expect);
  });

  it('4. PostgreSQL stopped (-m fast) for 10 s, twice: nothing lost, duplicated or unpushed', { timeout: 240_000 }, async ({ expect }) => {
    await quick('quick 4: PostgreSQL stop ×2', stopPostgres(pgStopped, { times: 2, downMs: 10_000, betweenMs: 3_000 }), expect, pgStopped);
  });

  it('5. the app paused (SIGSTOP) for 45 s, then SIGCONT: nothing lost, duplicated or unpushed', { timeout: 240_000 }, async ({ expect }) => {
    await quick('quick 5: SIGSTOP 45 s', pauseApp(45_000), expect);
  });
});
