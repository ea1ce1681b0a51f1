/**
 * The rankings mirrored into Redis sorted sets (src/stats/ports.ts RankingMirror), one per window
 * and dimension, as the supermarket example keeps its best sellers. Written after the store's
 * commit with the members' absolute scores (ZADD sets, never adds), so a batch mirrored twice, or
 * mirrored again after a crash, leaves the same scores: the store stays the truth, Redis a copy.
 *
 * A ranking is read in the store's order, score down and then member up. ZREVRANGE breaks ties by
 * member down, so the members tied at the cut are read again by score (ZRANGE BYSCORE, member up)
 * and the two are put together: the same answer as the store, tie for tie.
 */
import { Redis } from 'ioredis';
import type { RankingEntry, RankingMirror, RankingQuery, RankingScore } from '../stats/ports.js';

export interface RedisRankingsOptions {
  url: string;
  /** Before every key; a test or a second deployment on one Redis takes its own. */
  keyPrefix: string;
}

const keyOf = (prefix: string, { granularity, start, dimension }: Pick<RankingScore, 'granularity' | 'start' | 'dimension'>) =>
  `${prefix}${granularity}:${start.toISOString()}:${dimension}`;

const pairs = (flat: readonly string[]): RankingEntry[] => {
  const entries: RankingEntry[] = [];
  for (let index = 0; index + 1 < flat.length; index += 2) entries.push({ member: flat[index]!, score: Number(flat[index + 1]) });
  return entries;
};

export async function createRedisRankings({ url, keyPrefix }: RedisRankingsOptions): Promise<RankingMirror & { stop(): Promise<void> }> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  // ioredis reports every reconnect attempt as an error; a failed write or read says it once, to its caller.
  redis.on('error', () => {});
  // Not fatal at start: with Redis away, writes fail (and are retried) and reads fail, until it is back.
  await redis.connect().catch(() => {});

  return {
    async write(scores) {
      if (scores.length === 0) return;
      const byKey = new Map<string, (string | number)[]>();
      for (const score of scores) {
        const key = keyOf(keyPrefix, score);
        byKey.set(key, [...(byKey.get(key) ?? []), score.score, score.member]);
      }
      const pipeline = redis.multi();
      for (const [key, args] of byKey) pipeline.zadd(key, ...args);
      const results = await pipeline.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('Redis refused the rankings');
    },

    async ranking(query: RankingQuery) {
      const key = keyOf(keyPrefix, query);
      const top = pairs(await redis.zrevrange(key, 0, query.first - 1, 'WITHSCORES'));
      const cut = top.at(-1);
      if (!cut || top.length < query.first) return sortByStoreOrder(top);
      const tied = pairs(await redis.zrangebyscore(key, cut.score, cut.score, 'WITHSCORES'));
      return sortByStoreOrder([...top.filter((entry) => entry.score > cut.score), ...tied]).slice(0, query.first);
    },

    async forget(from) {
      // Keys are <prefix><granularity>:<ISO start>:<dimension>; ISO times in UTC sort as they compare.
      const fromIso = from.toISOString();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
        cursor = next;
        const doomed = keys.filter((key) => {
          const start = /^(?:minute|hour|day):(.+):(?:sender|recipient|kind)$/.exec(key.slice(keyPrefix.length))?.[1];
          return start !== undefined && start >= fromIso;
        });
        if (doomed.length > 0) await redis.del(...doomed);
      } while (cursor !== '0');
    },

    async stop() {
      redis.disconnect();
    },
  };
}

const sortByStoreOrder = (entries: RankingEntry[]): RankingEntry[] =>
  entries.sort((a, b) => b.score - a.score || (a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
