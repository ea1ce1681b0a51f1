/**
 * The Redis mirror of the rankings after a crash between the store's commit and the Redis write:
 * the store marks the partition's changed rankings as not yet mirrored in the batch's own
 * transaction, so the next owner of the partition (on assignment) or its next batch writes them
 * whole, and Redis answers as the store does again. Real PGlite, real Redis (a key prefix of the
 * test's own); the failing write is a real mirror with its connection refused.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeEvent } from '../src/notifications/event.js';
import { createStatsProcessor } from '../src/stats/processor.js';
import type { RankingMirror, StatsStore } from '../src/stats/ports.js';
import { runMigrations } from '../src/store/migrations.js';
import { createPgliteClient } from '../src/store/pglite-client.js';
import { createRedisRankings } from '../src/store/redis-rankings.js';
import type { SqlClient } from '../src/store/sql-client.js';
import { createStatsStore } from '../src/store/stats-store.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const keyPrefix = `kafka-notify-test:stats-mirror-${randomBytes(4).toString('hex')}:`;
let sql: SqlClient;
let store: StatsStore;
let mirror: RankingMirror & { stop(): Promise<void> };
let unreachable: RankingMirror & { stop(): Promise<void> };
let redis: Redis;

beforeAll(async () => {
  sql = await createPgliteClient();
  await runMigrations(sql);
  store = createStatsStore(sql);
  mirror = await createRedisRankings({ url: REDIS_URL, keyPrefix });
  // Nothing listens on port 1: every write fails, as Redis away at the worst moment would.
  unreachable = await createRedisRankings({ url: 'redis://127.0.0.1:1', keyPrefix });
  redis = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = (await redis?.keys(`${keyPrefix}*`)) ?? [];
  if (keys.length > 0) await redis.del(...keys);
  redis?.disconnect();
  await mirror?.stop();
  await unreachable?.stop();
  await sql?.close();
});

const message = (offset: number, n: number, from: string, to: string) => ({
  offset: String(offset),
  value: Buffer.from(
    encodeEvent({ id: `f00d0000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`, senderId: from, recipientId: to, kind: 'like', message: 'm', link: null, data: null, createdAt: new Date('2025-03-01T10:00:00Z') })
      .value,
  ),
});
const once = { retry: <T>(call: () => Promise<T>) => call() };
const hour = { granularity: 'hour' as const, start: new Date('2025-03-01T10:00:00Z'), dimension: 'sender' as const, first: 10 };

it('makes good a mirror write lost after the commit: on the next assignment, and on the next batch', async () => {
  const batch = { source: 'notifications' as const, topic: 't', partition: 0, messages: [message(0, 1, 'alice', 'r1'), message(1, 2, 'alice', 'r2'), message(2, 3, 'bob', 'r1')] };
  // The store commits, the Redis write fails: the process "dies" there.
  await expect(createStatsProcessor({ store, mirror: unreachable, graceMs: 0 }).process(batch, once)).rejects.toThrow();
  expect(await store.ranking(hour)).toEqual([{ member: 'alice', score: 2 }, { member: 'bob', score: 1 }]);
  expect(await mirror.ranking(hour)).toEqual([]);

  // The partition's next owner: Redis gets the rankings whole on assignment.
  const next = createStatsProcessor({ store, mirror, graceMs: 0 });
  await next.assigned([{ topic: 't', partition: 0 }]);
  expect(await mirror.ranking(hour)).toEqual([{ member: 'alice', score: 2 }, { member: 'bob', score: 1 }]);
  expect(await store.pendingMirror([{ topic: 't', partition: 0 }])).toEqual([]);

  // Lost again, then the partition's next batch (a redelivery counting nothing new) makes it good.
  await expect(createStatsProcessor({ store, mirror: unreachable, graceMs: 0 }).process({ ...batch, messages: [message(3, 4, 'bob', 'r3')] }, once)).rejects.toThrow();
  expect(await mirror.ranking(hour)).toEqual([{ member: 'alice', score: 2 }, { member: 'bob', score: 1 }]);
  await next.process({ ...batch, messages: [message(3, 4, 'bob', 'r3')] }, once);
  expect(await mirror.ranking(hour)).toEqual([{ member: 'alice', score: 2 }, { member: 'bob', score: 2 }]);
  expect(await mirror.ranking(hour)).toEqual(await store.ranking(hour));
  expect(await store.pendingMirror([{ topic: 't', partition: 0 }])).toEqual([]);
});
