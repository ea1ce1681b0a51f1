/**
 * Kafka as one part with start/stop/readiness: topic setup, producer and consumer group. When
 * the cluster is unreachable the service still starts (mutations answer KAFKA_UNAVAILABLE,
 * readiness says no) and keeps trying to connect in the background.
 */
import type { Logger } from '../logger.js';
import { encodeActivity, type Activity } from '../notifications/activity-event.js';
import { encodeBroadcast } from '../notifications/broadcast-event.js';
import type { Ingestor } from '../notifications/ingest.js';
import type { NewBroadcast } from '../notifications/notification.js';
import type { NotificationProducer } from '../notifications/ports.js';
import { createKafkaClient, type KafkaClientOptions } from './client.js';
import { createKafkaConsumer, type ConsumerDeps } from './consumer.js';
import { createLagReader } from './consumer-lag.js';
import { createKafkaProducer } from './producer.js';
import { NO_KAFKA_TELEMETRY, type KafkaTelemetry } from './telemetry.js';
import { setUpLoop, setUpTopics } from './set-up-loop.js';
import type { TopicOptions } from './topics.js';

export interface KafkaServiceOptions extends Omit<KafkaClientOptions, 'log'>, TopicOptions {
  groupId: string;
  /** The group that expands broadcasts: apart from the inbox's, so a long expansion never holds an inbox partition. */
  broadcastGroupId: string;
  sendTimeoutMs: number;
}

export interface KafkaServiceDeps extends ConsumerDeps {
  /** The broadcast topic's batch handler, given the producer it writes notification events with. */
  expander: (producer: NotificationProducer) => Ingestor;
}

export function createKafkaService(options: KafkaServiceOptions, deps: KafkaServiceDeps, log: Logger, telemetry: KafkaTelemetry = NO_KAFKA_TELEMETRY) {
  const kafka = createKafkaClient({ ...options, log });
  const producer = createKafkaProducer(kafka, { topic: options.topic, sendTimeoutMs: options.sendTimeoutMs, log, telemetry });
  const broadcastProducer = createKafkaProducer<NewBroadcast>(kafka, {
    topic: options.broadcastTopic,
    encode: encodeBroadcast,
    label: 'Kafka producer (broadcasts)',
    sendTimeoutMs: options.sendTimeoutMs,
    log,
    telemetry,
  });
  // Written by the activity relay, from the store's outbox: its own producer, so an activity
  // backlog drained after an outage never queues ahead of a mutation's send.
  const activityProducer = createKafkaProducer<Activity>(kafka, {
    topic: options.activityTopic,
    encode: encodeActivity,
    label: 'Kafka producer (activity)',
    sendTimeoutMs: options.sendTimeoutMs,
    log,
  });
  const expansion = createKafkaConsumer(
    kafka,
    {
      topic: options.broadcastTopic,
      dlqTopic: options.dlqTopic,
      groupId: options.broadcastGroupId,
      partitionsConsumedConcurrently: 1,
      log: log.child({ consumer: 'broadcasts' }),
      // Its messages are broadcasts, not notifications: the inbox's consumed counts stay the inbox's.
      telemetry: { ...telemetry, consumed: () => {} },
    },
    { ingestor: deps.expander(producer) },
  );
  const consumer = createKafkaConsumer(
    kafka,
    {
      topic: options.topic,
      dlqTopic: options.dlqTopic,
      groupId: options.groupId,
      partitionsConsumedConcurrently: Math.max(1, Math.min(options.partitions, 4)),
      log,
      telemetry,
    },
    deps,
  );
  const lagReader = createLagReader(kafka, { topic: options.topic, groupId: options.groupId });
  let topicsReady = false;

  async function setUp() {
    await setUpTopics(kafka, options);
    topicsReady = true;
    // The producer first: sends work while the consumer waits to join (after a crash, until the
    // dead member's session expires).
    await Promise.all([producer.start(), broadcastProducer.start(), activityProducer.start()]);
    await Promise.all([consumer.start(), expansion.start()]);
  }

  const setUpRetried = setUpLoop(setUp, { log, retrying: 'Kafka is not reachable yet; retrying' });

  return {
    producer,
    broadcastProducer,
    activityProducer,
    /** Resolves when set up, or at the first failure (the loop then goes on in the background). */
    start: () => setUpRetried.start(),
    readiness: () => topicsReady && producer.readiness() && consumer.readiness(),
    consumerRestarts: () => consumer.restarts(),
    /** Per partition of the topic; none until the topics exist, or while the brokers are away. */
    consumerLag: () => (topicsReady ? lagReader.lag() : Promise.resolve([])),
    async stop() {
      await setUpRetried.stop();
      // The consumers first: the expander writes its pages through the producer.
      await Promise.allSettled([consumer.stop(), expansion.stop()]);
      await Promise.allSettled([producer.stop(), broadcastProducer.stop(), activityProducer.stop(), lagReader.stop()]);
    },
  };
}

export type KafkaService = ReturnType<typeof createKafkaService>;
