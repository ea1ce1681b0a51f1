// Scenario 2: kill -9 of the broker mid-load, restarted; the app is not restarted.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { killBroker } from './support/scenarios.js';

describe('fault 2: kill -9 of the broker', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('loses, duplicates and misses no push; the same app resumes within 60 s of the broker being back', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    const node = env.cluster.nodes[0];
    if (!node) throw new Error('no broker');
    await runFull(env, { name: '2. kill -9 broker, restart', faults: killBroker(node, 5_000) }, expect);
  });
});
