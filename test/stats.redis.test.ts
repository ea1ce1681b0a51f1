/**
 * The stats consumer over the fixed stream (test/support/stats-stream.ts) with REDIS_URL set: the
 * rankings live in Redis sorted sets too (a key prefix of this test's own) and the ranking query
 * answers from them, with the store's answers exactly; a rebuild forgets and rewrites them alike.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from './support/hostile.js';
import { testBrokers } from './support/kafka.js';
import { rebuildTestSystem } from './support/stats-rebuild.js';
import { expectedStatsFigures, produceStatsStream, readStatsFigures, STATS_GRACE_MS, statsStreamCounted } from './support/stats-stream.js';
import { startTestSystem, waitUntilReady, type TestSystem } from './support/system.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `kafka-notify-test:stats-${randomBytes(4).toString('hex')}:`;
let system: TestSystem;
let redis: Redis;

beforeAll(async () => {
  redis = new Redis(REDIS_URL);
  system = await startTestSystem({ store: 'postgres', env: { STATS_GRACE_MS: String(STATS_GRACE_MS), REDIS_URL, STATS_REDIS_PREFIX: keyPrefix } });
  await waitUntilReady(system);
});

afterAll(async () => {
  await system?.dispose();
  const keys = (await redis?.keys(`${keyPrefix}*`)) ?? [];
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
});

it('keeps the rankings in Redis sorted sets and answers them as the store would, also after a rebuild', { timeout: 60_000 }, async () => {
  await produceStatsStream(testBrokers(), { topic: system.handle.topic, activityTopic: `${system.handle.topic}.activity` });
  await eventually(async () => {
    if (!(await statsStreamCounted(system.url))) throw new Error('the stream is not counted yet');
  }, 30_000);
  const expected = expectedStatsFigures();
  expect(await readStatsFigures(system.url)).toEqual(expected);
  // The answers came from Redis: the sets are there, with the absolute scores.
  expect(await redis.zrevrange(`${keyPrefix}hour:2025-03-01T10:00:00.000Z:sender`, 0, -1, 'WITHSCORES')).toEqual(['alice', '4', 'bob', '3', 'carol', '2']);
  expect(await redis.zrange(`${keyPrefix}day:2025-03-01T00:00:00.000Z:recipient`, 0, -1, 'WITHSCORES')).toEqual(['r4', '2', 'r2', '3', 'r3', '3', 'r1', '4']);

  await rebuildTestSystem(system, '2025-03-01T00:00:00Z', { url: REDIS_URL, keyPrefix });
  expect(await readStatsFigures(system.url)).toEqual(expected);
  expect(await redis.zscore(`${keyPrefix}hour:2025-03-01T10:00:00.000Z:sender`, 'alice')).toBe('4');
});
