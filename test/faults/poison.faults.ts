// Scenario 6: poison written straight to the topic mid-load: all dead-lettered, the load keeps flowing.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { RECIPIENTS } from './support/scenario.js';
import { poison } from './support/scenarios.js';

describe('fault 6: poison events', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('dead-letters every poison event and blocks no partition: nothing lost, duplicated or unpushed', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    await runFull(env, { name: '6. poison events', faults: poison(env.cluster.brokers, RECIPIENTS, 60_000) }, expect);
  });
});
