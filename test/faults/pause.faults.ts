// Scenario 5: the app paused (SIGSTOP) for 45 s, past the consumer's session timeout, then SIGCONT.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { pauseApp } from './support/scenarios.js';

describe('fault 5: the app paused for 45 s', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('resumes by itself: nothing lost, duplicated or unpushed; sends and pushes within 60 s of SIGCONT', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    await runFull(env, { name: '5. SIGSTOP 45 s, SIGCONT', faults: pauseApp(45_000) }, expect);
  });
});
