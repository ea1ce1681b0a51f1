/**
 * The stats consumer group: its own group (`notifications-stats`) over the notification topic and
 * the activity topic, so stopping, lagging or replaying it never delays the inbox. The wiring is
 * thin: each partition batch goes to the stats processor (src/stats/processor.ts), which folds it
 * into the store in one transaction with the partition's position.
 *
 * The store's positions are the truth: on joining the group the member seeks each assigned
 * partition to its stored next offset, and a batch that starts after it (the positions were
 * rewound by a rebuild) seeks there instead of counting. The Kafka commit follows the store's so
 * that the group's lag means something, but nothing depends on it: a crash between the two only
 * makes the next owner read again what the store already skips.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pRetry from 'p-retry';
import { Partitioners, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import { BACKOFF, retryingEveryError } from '../backoff.js';
import type { Logger } from '../logger.js';
import { createOutageLog } from '../outage-log.js';
import type { StatsProcessor } from '../stats/processor.js';
import type { StatsSource } from '../stats/stats-event.js';
import { SESSION_TIMEOUT_MS } from './consumer.js';
import { deadLetterHeaders } from './dead-letter-headers.js';
import { BatchAbandoned, isGroupMembershipError, retryWhileRunning } from './retry.js';

export interface StatsConsumerOptions {
  notificationTopic: string;
  activityTopic: string;
  /** Where activity events no codec can read go (the notification topic's are the inbox group's to set aside). */
  dlqTopic: string;
  groupId: string;
  log: Logger;
  /** Messages no codec could read, per topic: they move the offset and count nowhere else. */
  onUnreadable?: (topic: string, count: number) => void;
  /** A batch folded into the store: how many of its messages were new to it. */
  onApplied?: (topic: string, count: number) => void;
}

const RESTART_BACKOFF = { ...BACKOFF, minTimeout: 1000, maxTimeout: 30_000 };

export function createStatsConsumer(kafka: Kafka, options: StatsConsumerOptions, processor: Pick<StatsProcessor, 'assigned' | 'process'>) {
  const { notificationTopic, activityTopic, dlqTopic, groupId, log, onUnreadable = () => {}, onApplied = () => {} } = options;
  const dlqProducer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const sourceOf = (topic: string): StatsSource => (topic === activityTopic ? 'activity' : 'notifications');
  let consumer: Consumer | null = null;
  let joined = false;
  let lastHeartbeat = 0;
  let stopped = false;
  const stopping = new AbortController();
  let restarting: Promise<void> | null = null;
  const storeOutage = createOutageLog(log, 'The store (for the stats consumer: batches wait, nothing is counted)');

  async function earliestOffset(topic: string, partition: number): Promise<string> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets.find((o) => o.partition === partition)?.low ?? '0';
    } finally {
      await admin.disconnect();
    }
  }

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    const last = batch.messages.at(-1);
    if (!last) return;
    const control = {
      retry: async <T>(call: () => Promise<T>) => {
        const outage = storeOutage.attempt();
        const value = await retryWhileRunning(call, { isRunning, isStale, heartbeat, onRetry: (err) => outage.failed(err) });
        outage.succeeded();
        return value;
      },
      deadLetter: async (letters: readonly { offset: string; value: Buffer | null; error: string }[]) => {
        const failedAt = new Date();
        const byOffset = new Map(batch.messages.map((m) => [m.offset, m.key]));
        await dlqProducer.send({
          topic: dlqTopic,
          acks: -1,
          messages: letters.map(({ offset, value, error }) => ({
            key: byOffset.get(offset) ?? null,
            value,
            headers: deadLetterHeaders({ error, originalTopic: batch.topic, originalPartition: batch.partition, originalOffset: offset, failedAt }),
          })),
        });
        for (const { offset, error } of letters) log.warn({ topic: batch.topic, partition: batch.partition, offset, error }, 'stats: activity event sent to the dead-letter topic');
      },
    };
    try {
      const messages = batch.messages.map((m) => ({ offset: m.offset, value: m.value }));
      const input = { source: sourceOf(batch.topic), topic: batch.topic, partition: batch.partition, messages };
      let outcome = await processor.process(input, control);
      if (outcome.seekTo !== null) {
        // The stored position may point at events the topic's retention removed: Kafka then reads
        // from the log's start, and seeking back would go round for ever. Count from where it is.
        const logStart = await earliestOffset(batch.topic, batch.partition);
        if (BigInt(logStart) > BigInt(outcome.seekTo)) {
          log.warn({ topic: batch.topic, partition: batch.partition, position: outcome.seekTo, logStart }, 'stats: events after the stored position are gone from the log (retention); counting from the log start');
          outcome = await processor.process({ ...input, logStart }, control);
        }
      }
      if (outcome.seekTo !== null) {
        log.info({ topic: batch.topic, partition: batch.partition, from: outcome.seekTo }, 'stats: reading from the stored position (rewound by a rebuild)');
        consumer!.seek({ topic: batch.topic, partition: batch.partition, offset: outcome.seekTo });
        return;
      }
      if (outcome.unreadable.length > 0 && batch.topic !== activityTopic) {
        log.warn({ topic: batch.topic, partition: batch.partition, offsets: outcome.unreadable.map((u) => u.offset), error: outcome.unreadable[0]!.error }, 'stats: messages no codec could read were left out');
      }
      if (outcome.unreadable.length > 0) onUnreadable(batch.topic, outcome.unreadable.length);
      onApplied(batch.topic, outcome.applied);
      resolveOffset(last.offset);
      if (outcome.nextOffset !== null) {
        // For the group's lag only: the store holds the position that counts.
        await consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: outcome.nextOffset }]).catch((error: unknown) => {
          if (isGroupMembershipError(error)) throw error;
          log.debug({ err: error }, 'stats: committing the group offset failed (the store has the position)');
        });
      }
      await heartbeat();
    } catch (error) {
      // Left for the partition's next owner, who starts from the stored position.
      if (error instanceof BatchAbandoned) return;
      throw error;
    }
  }

  function create(): Consumer {
    const fresh = kafka.consumer({ groupId, allowAutoTopicCreation: false, sessionTimeout: SESSION_TIMEOUT_MS, heartbeatInterval: 1000, maxWaitTimeInMs: 1000 });
    fresh.on(fresh.events.GROUP_JOIN, ({ payload }) => {
      joined = true;
      lastHeartbeat = Date.now();
      const partitions = Object.entries(payload.memberAssignment).flatMap(([topic, list]) => list.map((partition) => ({ topic, partition })));
      // Seeks land before the first fetch of the new generation that is not already in flight; a
      // batch fetched before them is caught by the processor's fence (it starts past the position).
      void processor.assigned(partitions).then(
        (seeks) => {
          for (const seek of seeks) fresh.seek(seek);
        },
        (err: unknown) => log.warn({ err }, 'stats: reading the stored positions failed; the first batches seek by themselves'),
      );
    });
    fresh.on(fresh.events.HEARTBEAT, () => {
      lastHeartbeat = Date.now();
    });
    fresh.on(fresh.events.STOP, () => {
      joined = false;
    });
    fresh.on(fresh.events.CRASH, ({ payload }) => {
      joined = false;
      if (payload.restart || stopped) return;
      log.error({ err: payload.error }, 'stats consumer crashed; restarting it');
      restarting ??= restart().finally(() => (restarting = null));
    });
    return fresh;
  }

  async function run() {
    const fresh = create();
    consumer = fresh;
    await fresh.connect();
    await fresh.subscribe({ topics: [notificationTopic, activityTopic], fromBeginning: true });
    await fresh.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 2, eachBatch });
  }

  async function restart() {
    await delay(RESTART_BACKOFF.minTimeout, undefined, { signal: stopping.signal }).catch(() => {});
    await pRetry(
      retryingEveryError(async () => {
        await consumer?.disconnect().catch(() => {});
        await run();
      }),
      { ...RESTART_BACKOFF, signal: stopping.signal },
    ).catch(() => {});
  }

  return {
    async start() {
      await dlqProducer.connect();
      await run();
    },
    readiness: () => joined && Date.now() - lastHeartbeat < SESSION_TIMEOUT_MS,
    async stop() {
      stopped = true;
      stopping.abort();
      await consumer?.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

export type StatsConsumer = ReturnType<typeof createStatsConsumer>;
