// Scenario 1: kill -9 of the app mid-load, restarted.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { killApp } from './support/scenarios.js';

describe('fault 1: kill -9 of the app', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(1);
  });
  afterAll(() => stopEnvironment(env));

  it('loses, duplicates and misses no push; sends and pushes resume within 60 s of the restart', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    await runFull(env, { name: '1. kill -9 app, restart', faults: killApp() }, expect);
  });
});
