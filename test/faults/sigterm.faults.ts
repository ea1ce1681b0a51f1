// Scenario 7: SIGTERM mid-load (graceful shutdown), restarted.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { sigtermApp } from './support/scenarios.js';

describe('fault 7: SIGTERM of the app', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('shuts down cleanly within 30 s and resumes after a restart: nothing lost, duplicated or unpushed', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    await runFull(env, { name: '7. SIGTERM app, restart', faults: sigtermApp(30_000) }, expect);
  });
});
