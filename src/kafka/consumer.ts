/**
 * The consumer group that turns the log into the inbox. The Kafka wiring stays thin: each batch
 * goes through the domain's ingestor, with auto-commit off, so offsets move only after the store
 * committed. A store outage is retried with backoff while heart-beating; nothing is committed
 * meanwhile, and a batch left behind by a stop or a rebalance is simply read again.
 *
 * What keeps it going by itself:
 * - A member that lost its membership (a pause longer than the session) leaves the batch, and
 *   kafkajs rejoins; the batch is read again.
 * - A crash kafkajs will not restart (an error it deems non-retriable) is restarted here, with
 *   backoff, on a fresh kafkajs consumer, and counted.
 * - Outages (the store or the broker away) are retried for as long as they last. Any other
 *   failure of one batch (a bug, a value our code chokes on) is tried three times, then the
 *   batch goes to the dead-letter topic with the error, so no partition stays blocked.
 *
 * Tracing: each message gets a CONSUMER span, a child of the producer's span read from its headers
 * (a child, not a link: this group is the one the send was made for, and an operator should see
 * mutation → produce → consume → push as one tree, not jump between traces). The domain stores
 * the batch under one span that links to them. They end once the offsets are committed (or the
 * batch failed, or was left to the partition's next owner); a redelivery adds a new one to the
 * same trace.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { isSpanContextValid, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import pRetry from 'p-retry';
import kafkajs, { Partitioners, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import { BACKOFF, retryingEveryError } from '../backoff.js';
import { NotifyError, StoreRefused } from '../notifications/errors.js';
import type { ConsumedMessage, DeadLetter, Ingestor } from '../notifications/ingest.js';
import type { Logger } from '../logger.js';
import { createOutageLog } from '../outage-log.js';
import { deadLetterHeaders } from './dead-letter-headers.js';
import { BatchAbandoned, isGroupMembershipError, retryWhileRunning } from './retry.js';
import { NO_KAFKA_TELEMETRY, secondsSince, type KafkaTelemetry } from './telemetry.js';
import { extractTraceContext, messagingAttributes, tracer } from './trace-context.js';

export interface ConsumerOptions {
  topic: string;
  dlqTopic: string;
  groupId: string;
  partitionsConsumedConcurrently: number;
  log: Logger;
  telemetry?: Pick<KafkaTelemetry, 'consumed' | 'deadLettered' | 'committed'>;
}

export interface ConsumerDeps {
  /** The domain's ingestor: the consumer hands it batches and never touches the store itself. */
  ingestor: Ingestor;
}

/**
 * 10 s, not kafkajs's 30 s: a crashed instance's partitions move to the others within 10 s. A
 * pause longer than that (a long GC, a frozen VM) costs a rejoin, which now happens by itself.
 * Heartbeats every second keep well inside it, also while a store outage is being retried.
 */
export const SESSION_TIMEOUT_MS = 10_000;
const HEARTBEAT_INTERVAL_MS = 1000;
/** A consumer kafkajs gave up on is rebuilt with the service's backoff, from 1 s up to 30 s apart. */
const RESTART_BACKOFF = { ...BACKOFF, minTimeout: 1000, maxTimeout: 30_000 };
/** Attempts of one batch failing for a reason other than an outage before it is dead-lettered. */
const POISON_ATTEMPTS = 3;
const PROCESS_SPAN = { kind: SpanKind.CONSUMER };

// kafkajs is CommonJS; Node's ESM loader names only some of its exports, and not its errors.
const { KafkaJSError } = kafkajs;

/** The store or the broker being away: retried for as long as it lasts, never dead-lettered. */
const isOutage = (error: unknown) =>
  error instanceof KafkaJSError || (error instanceof NotifyError && error.code === 'STORE_UNAVAILABLE');

export function createKafkaConsumer(kafka: Kafka, options: ConsumerOptions, deps: ConsumerDeps) {
  const { topic, dlqTopic, groupId, log, telemetry = NO_KAFKA_TELEMETRY } = options;
  const dlqProducer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  let consumer: Consumer | null = null;
  let stopped = false;
  const stopping = new AbortController();
  let joined = false;
  /** When the group last heard from us (join or heartbeat): stale means the broker is away. */
  let lastHeartbeat = 0;
  let restarts = 0;
  let restarting: Promise<void> | null = null;
  const failures = new Map<string, number>();
  // An outage retries every batch and crashes the consumer again and again: one line when it
  // begins and one when it is over, per part, instead of one per attempt.
  const outages = {
    store: createOutageLog(log, 'The store (for the consumer: batches wait, nothing is committed)'),
    kafka: createOutageLog(log, 'Kafka (for the consumer: it rejoins when the broker is back)'),
  };

  function toDeadLetter({ message, error }: DeadLetter) {
    return {
      key: message.key,
      value: message.value,
      headers: deadLetterHeaders({ error, originalTopic: topic, originalPartition: message.partition, originalOffset: message.offset, failedAt: new Date() }),
    };
  }

  const deadLetter = (letters: readonly DeadLetter[]) =>
    dlqProducer.send({ topic: dlqTopic, acks: -1, messages: letters.map(toDeadLetter) }).then(() => {
      for (const letter of letters) {
        log.warn({ partition: letter.message.partition, offset: letter.message.offset, reason: letter.reason, error: letter.error }, 'sent to the dead-letter topic');
        telemetry.deadLettered(letter.reason, 1);
      }
    });

  async function eachBatch(payload: EachBatchPayload) {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const last = batch.messages.at(-1);
    if (!last) return;
    const spans: Span[] = [];
    const spanName = `process ${batch.topic}`;
    const messages: ConsumedMessage[] = batch.messages.map((m) => {
      const parent = extractTraceContext(m.headers);
      const span = tracer.startSpan(spanName, PROCESS_SPAN, parent);
      // Without an SDK the span is the API's no-op with no valid context: no attributes, no
      // context, nothing kept per message (those allocations were measured on the ingest path).
      if (!isSpanContextValid(span.spanContext())) return { partition: batch.partition, offset: m.offset, key: m.key, value: m.value, trace: undefined };
      if (span.isRecording()) {
        span.setAttributes({
          ...messagingAttributes(batch.topic, 'process'),
          'messaging.consumer.group.name': groupId,
          'messaging.destination.partition.id': String(batch.partition),
          'messaging.kafka.offset': Number(m.offset),
        });
      }
      spans.push(span);
      return { partition: batch.partition, offset: m.offset, key: m.key, value: m.value, trace: trace.setSpan(parent, span) };
    });
    const failSpans = (message: string) => {
      for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message });
    };
    const retry = async <T>(what: 'store' | 'dead-letter' | 'commit', fn: () => Promise<T>, maxAttempts?: number) => {
      const outage = (what === 'store' ? outages.store : outages.kafka).attempt();
      const value = await retryWhileRunning(fn, {
        isRunning,
        isStale,
        heartbeat,
        isPermanent: (error) => error instanceof StoreRefused,
        ...(maxAttempts !== undefined && { maxAttempts }),
        onRetry: (err) => outage.failed(err),
      });
      outage.succeeded();
      return value;
    };
    // A few attempts only: a commit that keeps failing is sent to a coordinator that is gone (its
    // broker died). Leaving the batch makes kafkajs find the new coordinator and rejoin; the
    // batch is read again, and its second insert stores nothing.
    const commit = () =>
      retry(
        'commit',
        async () => {
          const start = process.hrtime.bigint();
          await consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
          telemetry.committed(secondsSince(start));
        },
        3,
      );
    const batchKey = `${batch.partition}:${batch.messages[0]!.offset}`;
    try {
      const { inserted, deadLetters } = await deps.ingestor.ingest(messages, {
        retry: (call) => retry('store', call),
        settled: ({ consumed, stored }) => telemetry.consumed(consumed, stored),
        // Between the steps of a long batch: leaves it at once when the consumer stops or lost the partition.
        heartbeat: async () => {
          if (!isRunning() || isStale()) throw new BatchAbandoned();
          await heartbeat();
        },
      });
      // Set aside before the offsets move past them: a dead letter is never lost either.
      if (deadLetters.length > 0) await retry('dead-letter', () => deadLetter(deadLetters));
      for (const letter of deadLetters) {
        if (letter.message.trace) trace.getSpan(letter.message.trace)?.setStatus({ code: SpanStatusCode.ERROR, message: `dead-lettered: ${letter.reason}` });
      }
      await commit();
      failures.delete(batchKey);
      resolveOffset(last.offset);
      await heartbeat();
      log.debug({ partition: batch.partition, messages: messages.length, inserted: inserted.length, deadLettered: deadLetters.length }, 'batch stored');
    } catch (error) {
      // Left unresolved and uncommitted: the next owner of the partition reads it again.
      if (error instanceof BatchAbandoned) {
        for (const span of spans) span.addEvent('left to the partition\'s next owner');
        return;
      }
      failSpans(error instanceof Error ? error.message : String(error));
      if (isGroupMembershipError(error) || isOutage(error)) throw error;
      const attempts = (failures.get(batchKey) ?? 0) + 1;
      failures.set(batchKey, attempts);
      log.error({ err: error, partition: batch.partition, offset: batch.messages[0]!.offset, attempts }, 'a batch failed');
      if (attempts < POISON_ATTEMPTS) throw error;
      const reason = `processing failed ${attempts} times: ${error instanceof Error ? error.message : String(error)}`;
      await retry('dead-letter', () => deadLetter(messages.map((message) => ({ message, reason: 'processing_failed', error: reason }))));
      failSpans('dead-lettered: processing_failed');
      telemetry.consumed(messages.length, 0);
      await commit();
      failures.delete(batchKey);
      resolveOffset(last.offset);
    } finally {
      for (const span of spans) span.end();
    }
  }

  function create(): Consumer {
    const fresh = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      // Each fetch waits at most this long for data, so an idle member still heartbeats often.
      maxWaitTimeInMs: 1000,
    });
    fresh.on(fresh.events.GROUP_JOIN, () => {
      outages.kafka.succeeded();
      joined = true;
      lastHeartbeat = Date.now();
    });
    fresh.on(fresh.events.HEARTBEAT, () => {
      lastHeartbeat = Date.now();
    });
    fresh.on(fresh.events.STOP, () => {
      joined = false;
    });
    fresh.on(fresh.events.CRASH, ({ payload }) => {
      joined = false;
      // kafkajs restarts it after retriable errors (a coordinator still loading, say): detail.
      // kafkajs restarts it after retriable errors (the broker away, a coordinator still loading):
      // part of an outage, told once; any other crash is a fault of its own.
      if (payload.restart) outages.kafka.failed(payload.error);
      else log.error({ err: payload.error }, 'Kafka consumer crashed');
      // kafkajs restarts after retriable errors itself; after the others its consumer is done.
      if (!payload.restart && !stopped) restarting ??= restartWithBackoff().finally(() => (restarting = null));
    });
    return fresh;
  }

  async function run() {
    const fresh = create();
    consumer = fresh;
    await fresh.connect();
    await fresh.subscribe({ topic, fromBeginning: true });
    await fresh.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
      eachBatch,
    });
  }

  async function restartWithBackoff() {
    // A pause first: what crashed it (a coordinator moving, say) is often over a second later.
    await delay(RESTART_BACKOFF.minTimeout, undefined, { signal: stopping.signal }).catch(() => {});
    await pRetry(
      retryingEveryError(async () => {
        restarts += 1;
        log.warn({ restarts }, 'restarting the Kafka consumer');
        await consumer?.disconnect().catch(() => {});
        await run();
      }),
      { ...RESTART_BACKOFF, signal: stopping.signal, onFailedAttempt: ({ error }) => log.error({ err: error }, 'restarting the Kafka consumer failed') },
    ).catch(() => {
      // Stopped meanwhile; a failure is retried for as long as the consumer is not stopped.
    });
  }

  return {
    async start() {
      await dlqProducer.connect();
      await run();
    },
    /** In the group, and heard by it within a session: false while the broker is away. */
    readiness: () => joined && Date.now() - lastHeartbeat < SESSION_TIMEOUT_MS,
    /** Restarts after crashes kafkajs would not restart by itself. */
    restarts: () => restarts,
    async stop() {
      stopped = true;
      stopping.abort();
      // disconnect() stops fetching, waits for the running batches, then leaves the group.
      await consumer?.disconnect();
      await dlqProducer.disconnect();
    },
  };
}

export type KafkaConsumer = ReturnType<typeof createKafkaConsumer>;
