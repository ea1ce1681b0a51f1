/** Runs `npm run stats -- rebuild`'s function against a running test system's topics, group and PostgreSQL schema. */
import { createLogger } from '../../src/logger.js';
import { rebuildStats } from '../../src/ops/stats-rebuild.js';
import { createRedisRankings } from '../../src/store/redis-rankings.js';
import { createStore, statsStoreOf } from '../../src/store/create-store.js';
import { testBrokers } from './kafka.js';
import { STATS_GRACE_MS } from './stats-stream.js';
import { TEST_DATABASE_URL, type TestSystem } from './system.js';

export async function rebuildTestSystem(system: TestSystem, from: string, redis?: { url: string; keyPrefix: string }) {
  const { topic, groupId, pgSchema, dataDir } = system.handle;
  const store = await createStore({ databaseUrl: TEST_DATABASE_URL, pgSchema, dataDir });
  const mirror = redis ? await createRedisRankings(redis) : undefined;
  try {
    return await rebuildStats({
      kafka: {
        brokers: testBrokers(),
        clientId: 'stats-rebuild-test',
        topic,
        dlqTopic: `${topic}.dlq`,
        broadcastTopic: `${topic}.broadcasts`,
        activityTopic: `${topic}.activity`,
        partitions: 3,
        replicationFactor: -1,
        statsGroupId: `${groupId}.stats`,
      },
      store: statsStoreOf(store),
      mirror,
      graceMs: STATS_GRACE_MS,
      from: new Date(from),
      log: createLogger({ level: (process.env.TEST_LOG_LEVEL as 'warn' | undefined) ?? 'silent', format: 'json' }),
      pollMs: 100,
    });
  } finally {
    await mirror?.stop();
    await store.close();
  }
}
