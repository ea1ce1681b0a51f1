// Scenario 2: kill -9 of the broker mid-load, restarted; the app is not restarted. Also what the
// operator and the clients see meanwhile (issue 15): a quiet log, JSON only, sends on their deadline.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { checkQuietOutage } from './support/outage-checks.js';
import { killBroker } from './support/scenarios.js';

// The figures: 100 sends/s, the broker away for 10 s, the default send deadline.
const SEND_TIMEOUT_MS = 5_000;

describe('fault 2: kill -9 of the broker', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('loses, duplicates and misses no push, logs the outage twice, answers every send in time; the same app resumes within 60 s', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    const node = env.cluster.nodes[0];
    if (!node) throw new Error('no broker');
    await runFull(
      env,
      {
        name: '2. kill -9 broker, restart',
        ratePerSecond: 100,
        appEnv: { KAFKA_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS) },
        faults: killBroker(node, 10_000),
        afterLoad: checkQuietOutage({ sendTimeoutMs: SEND_TIMEOUT_MS, clientToleranceMs: 500, outages: 1 }),
      },
      expect,
    );
  });
});
