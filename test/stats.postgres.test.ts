/**
 * The stats consumer over the fixed stream (test/support/stats-stream.ts) on PostgreSQL, with a
 * second member joining its group halfway (a rebalance): every figure exactly; then `rebuild` (npm run stats -- rebuild) from the second day and from the
 * first, with the live stats consumer still running, gives the same figures again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from './support/hostile.js';
import { testBrokers } from './support/kafka.js';
import { rebuildTestSystem, startSecondStatsConsumer } from './support/stats-rebuild.js';
import { expectedStatsFigures, produceStatsStream, readStatsFigures, STATS_GRACE_MS, statsStreamCounted } from './support/stats-stream.js';
import { startTestSystem, waitUntilReady, type TestSystem } from './support/system.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ store: 'postgres', env: { STATS_GRACE_MS: String(STATS_GRACE_MS) } });
  await waitUntilReady(system);
});

afterAll(async () => {
  await system?.dispose();
});

it('counts the stream exactly on PostgreSQL, across a rebalance, and a rebuild from either day gives the same figures', { timeout: 60_000 }, async () => {
  const topics = { topic: system.handle.topic, activityTopic: `${system.handle.topic}.activity` };
  await produceStatsStream(testBrokers(), topics, 'first');
  // A second member joins the stats group in the middle of the stream: the partitions move between them.
  const second = await startSecondStatsConsumer(system);
  try {
    await produceStatsStream(testBrokers(), topics, 'second');
    await eventually(async () => {
      if (!(await statsStreamCounted(system.url))) throw new Error('the stream is not counted yet');
    }, 30_000);
  } finally {
    await second.stop();
  }
  const expected = expectedStatsFigures();
  expect(await readStatsFigures(system.url)).toEqual(expected);

  // From the second day: the first day's events are read again and left as they were.
  expect((await rebuildTestSystem(system, '2025-03-02T12:34:00Z')).from).toEqual(new Date('2025-03-02T00:00:00Z'));
  expect(await readStatsFigures(system.url)).toEqual(expected);
  // From the first: everything recounted, late and closed included.
  expect((await rebuildTestSystem(system, '2025-03-01T10:30:00Z')).from).toEqual(new Date('2025-03-01T00:00:00Z'));
  expect(await readStatsFigures(system.url)).toEqual(expected);
});
