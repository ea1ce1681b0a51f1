/**
 * Runs `npm run stats -- rebuild`'s function against a running test system's topics, group and
 * PostgreSQL schema; and a second stats consumer for the same (a member joining its group).
 */
import { createStatsService } from '../../src/kafka/stats-service.js';
import { createLogger } from '../../src/logger.js';
import { rebuildStats } from '../../src/ops/stats-rebuild.js';
import { createStatsProcessor } from '../../src/stats/processor.js';
import { createRedisRankings } from '../../src/store/redis-rankings.js';
import { createStore, statsStoreOf } from '../../src/store/create-store.js';
import { testBrokers } from './kafka.js';
import { STATS_GRACE_MS } from './stats-stream.js';
import { TEST_DATABASE_URL, type TestSystem } from './system.js';

const kafkaOptions = ({ topic, groupId }: TestSystem['handle']) => ({
  brokers: testBrokers(),
  clientId: 'stats-test',
  topic,
  dlqTopic: `${topic}.dlq`,
  broadcastTopic: `${topic}.broadcasts`,
  activityTopic: `${topic}.activity`,
  partitions: 3,
  replicationFactor: -1,
  statsGroupId: `${groupId}.stats`,
});

const testLog = () => createLogger({ level: (process.env.TEST_LOG_LEVEL as 'warn' | undefined) ?? 'silent', format: 'json' });

/** Another member of the system's stats group, in this process, on the system's PostgreSQL schema: joining it rebalances the group. */
export async function startSecondStatsConsumer(system: TestSystem) {
  const { pgSchema, dataDir } = system.handle;
  const store = await createStore({ databaseUrl: TEST_DATABASE_URL, pgSchema, dataDir });
  const service = createStatsService(kafkaOptions(system.handle), createStatsProcessor({ store: statsStoreOf(store), graceMs: STATS_GRACE_MS }), testLog());
  await service.start();
  return {
    async stop() {
      await service.stop();
      await store.close();
    },
  };
}

export async function rebuildTestSystem(system: TestSystem, from: string, redis?: { url: string; keyPrefix: string }) {
  const { pgSchema, dataDir } = system.handle;
  const store = await createStore({ databaseUrl: TEST_DATABASE_URL, pgSchema, dataDir });
  const mirror = redis ? await createRedisRankings(redis) : undefined;
  try {
    return await rebuildStats({
      kafka: kafkaOptions(system.handle),
      store: statsStoreOf(store),
      mirror,
      graceMs: STATS_GRACE_MS,
      from: new Date(from),
      log: testLog(),
      pollMs: 100,
    });
  } finally {
    await mirror?.stop();
    await store.close();
  }
}
