// Scenario 4: PostgreSQL stopped (-m fast) for 10 s mid-load, three times in a row, on a server the test started.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { stopPostgres } from './support/scenarios.js';

describe('fault 4: PostgreSQL stopped for 10 s, three times', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('the app stays up; nothing lost, duplicated or unpushed; each recovery within 60 s', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    await runFull(env, { name: '4. PostgreSQL stop -m fast 10 s ×3', faults: stopPostgres(env.pg, { times: 3, downMs: 10_000, betweenMs: 10_000 }) }, expect);
  });
});
