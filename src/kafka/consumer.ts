/**
 * The consumer group that turns the log into the inbox. The Kafka wiring stays thin: each batch
 * goes through `ingestBatch`, with auto-commit off, so offsets move only after the store
 * committed. A store outage is retried with backoff while heart-beating; nothing is committed
 * meanwhile, and a batch left behind by a stop or a rebalance is simply read again.
 */
import { Partitioners, type EachBatchPayload, type Kafka } from 'kafkajs';
import { StoreRefused } from '../notifications/errors.js';
import { ingestBatch, type DeadLetter } from '../notifications/ingest.js';
import type { InboxPubSub, NotificationStore } from '../notifications/ports.js';
import type { Logger } from '../logger.js';
import { retryWhileRunning, BatchAbandoned } from './retry.js';

export interface ConsumerOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
  partitionsConsumedConcurrently: number;
  log: Logger;
}

export interface ConsumerDeps {
  store: Pick<NotificationStore, 'insertNotifications'>;
  pubsub: Pick<InboxPubSub, 'publishAdded'>;
}

export function createKafkaConsumer(kafka: Kafka, options: ConsumerOptions, deps: ConsumerDeps) {
  const { topic, dlqTopic, groupId, log } = options;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const dlqProducer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  consumer.on(consumer.events.STOP, () => {
    joined = false;
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    joined = false;
    log.error({ err: payload.error, restart: payload.restart }, 'Kafka consumer crashed');
  });

  function toDeadLetter({ message, error }: DeadLetter) {
    return {
      key: message.key,
      value: message.value,
      headers: {
        'x-error': error,
        'x-original-topic': topic,
        'x-original-partition': String(message.partition),
        'x-original-offset': message.offset,
        'x-failed-at': new Date().toISOString(),
      },
    };
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const last = batch.messages.at(-1);
    if (!last) return;
    const retry = <T>(what: string, fn: () => Promise<T>) =>
      retryWhileRunning(fn, {
        isRunning,
        isStale,
        heartbeat,
        isPermanent: (error) => error instanceof StoreRefused,
        onRetry: (err, delay) => log.warn({ err, what, delay, partition: batch.partition }, 'retrying'),
      });
    try {
      const messages = batch.messages.map((m) => ({ partition: batch.partition, offset: m.offset, key: m.key, value: m.value }));
      const { inserted, deadLettered } = await ingestBatch(messages, {
        store: { insertNotifications: (items) => retry('store', () => deps.store.insertNotifications(items)) },
        deadLetter: (letters) =>
          retry('dead-letter', () => dlqProducer.send({ topic: dlqTopic, acks: -1, messages: letters.map(toDeadLetter) })).then(() => {
            for (const letter of letters) log.warn({ partition: letter.message.partition, offset: letter.message.offset, error: letter.error }, 'sent to the dead-letter topic');
          }),
        commit: () =>
          retry('commit', () =>
            consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]),
          ),
        publish: (notification) => deps.pubsub.publishAdded(notification),
      });
      resolveOffset(last.offset);
      await heartbeat();
      log.debug({ partition: batch.partition, messages: messages.length, inserted: inserted.length, deadLettered }, 'batch stored');
    } catch (error) {
      // Left unresolved and uncommitted: the next owner of the partition reads it again.
      if (error instanceof BatchAbandoned) return;
      throw error;
    }
  }

  return {
    async start() {
      await Promise.all([consumer.connect(), dlqProducer.connect()]);
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
        eachBatch,
      });
    },
    /** In the group and fetching. */
    readiness: () => joined,
    async stop() {
      // disconnect() stops fetching, waits for the running batches, then leaves the group.
      await consumer.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

export type KafkaConsumer = ReturnType<typeof createKafkaConsumer>;
