/**
 * The stats consumer as one part with start/stop/readiness, as kafka-service.ts is for the inbox:
 * its own Kafka client, the topics made when missing (the stats role may start before the API
 * ever did), the group joined in the background with backoff while the brokers are away, and the
 * group's lag over both topics for /metrics.
 */
import type { Logger } from '../logger.js';
import type { StatsProcessor } from '../stats/processor.js';
import { createKafkaClient, type KafkaClientOptions } from './client.js';
import { createLagReader, type PartitionLag } from './consumer-lag.js';
import { createStatsConsumer, type StatsConsumerOptions } from './stats-consumer.js';
import { setUpLoop, setUpTopics } from './set-up-loop.js';
import type { TopicOptions } from './topics.js';

export interface StatsServiceOptions extends Omit<KafkaClientOptions, 'log'>, TopicOptions {
  statsGroupId: string;
}

export function createStatsService(
  options: StatsServiceOptions,
  processor: Pick<StatsProcessor, 'assigned' | 'process'>,
  log: Logger,
  hooks: Pick<StatsConsumerOptions, 'onUnreadable' | 'onApplied'> = {},
) {
  const kafka = createKafkaClient({ ...options, log });
  const topics = [options.topic, options.activityTopic];
  const consumer = createStatsConsumer(kafka, { notificationTopic: options.topic, activityTopic: options.activityTopic, dlqTopic: options.dlqTopic, groupId: options.statsGroupId, log, ...hooks }, processor);
  const lagReaders = topics.map((topic) => ({ topic, reader: createLagReader(kafka, { topic, groupId: options.statsGroupId }) }));
  let topicsReady = false;

  async function setUp() {
    await setUpTopics(kafka, options);
    topicsReady = true;
    await consumer.start();
  }

  const setUpRetried = setUpLoop(setUp, { log, retrying: 'stats: Kafka is not reachable yet; retrying' });

  return {
    topics,
    /** Resolves when joined, or at the first failure (the loop then goes on in the background). */
    start: () => setUpRetried.start(),
    readiness: () => topicsReady && consumer.readiness(),
    /** Per topic and partition; none while the brokers are away. */
    async lag(): Promise<(PartitionLag & { topic: string })[]> {
      if (!topicsReady) return [];
      const all = await Promise.all(lagReaders.map(async ({ topic, reader }) => (await reader.lag()).map((lag) => ({ topic, ...lag }))));
      return all.flat();
    },
    async stop() {
      await setUpRetried.stop();
      await Promise.allSettled([consumer.stop(), ...lagReaders.map(({ reader }) => reader.stop())]);
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
