/**
 * The notification producer. Sends that arrive in the same tick are merged into one produce
 * request (micro-batching): under load that is one round-trip for many mutations. Every send
 * waits for acks from all in-sync replicas, and for at most `sendTimeoutMs`.
 */
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import pTimeout from 'p-timeout';
import { encodeEvent } from '../notifications/event.js';
import { NotifyError } from '../notifications/errors.js';
import type { NewNotification } from '../notifications/notification.js';
import type { NotificationProducer } from '../notifications/ports.js';
import type { Logger } from '../logger.js';
import { NO_KAFKA_TELEMETRY, secondsSince, type KafkaTelemetry } from './telemetry.js';

export interface ProducerOptions {
  topic: string;
  sendTimeoutMs: number;
  /** Messages per produce request at most. */
  maxBatch?: number;
  /**
   * Bytes per produce request at most. The broker refuses a record batch over its
   * `message.max.bytes` (1 MiB by default) and kafkajs sends one batch per partition per request,
   * so a request under this bound always fits: any batch the API accepts can be written.
   */
  maxBatchBytes?: number;
  log: Logger;
  telemetry?: Pick<KafkaTelemetry, 'produced'>;
}

interface Pending {
  messages: Message[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

/** Record overhead beside key and value (offsets, lengths, timestamp), generously rounded up. */
const RECORD_OVERHEAD_BYTES = 64;

export function createKafkaProducer(
  kafka: Kafka,
  { topic, sendTimeoutMs, maxBatch = 5000, maxBatchBytes = 900_000, log, telemetry = NO_KAFKA_TELEMETRY }: ProducerOptions,
) {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // Bounded: a request must answer KAFKA_UNAVAILABLE in time, not retry forever.
    retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  const sizeOf = (message: Message) =>
    RECORD_OVERHEAD_BYTES + Buffer.byteLength(String(message.key ?? '')) + Buffer.byteLength(String(message.value ?? ''));
  let connecting: Promise<void> | null = null;
  // Whether the last word from the broker was good: a failed write makes readiness say no
  // until a write succeeds again (the consumer's heartbeats say it for the idle case).
  let connected = false;
  let lastWriteFailed = false;
  let queue: Pending[] = [];
  let scheduled = false;

  function connect(): Promise<void> {
    connecting ??= producer.connect().then(
      () => {
        connected = true;
      },
      (error: unknown) => {
        connecting = null;
        throw error;
      },
    );
    return connecting;
  }
  // kafkajs drops the connection on some errors; connect again on the next send.
  producer.on(producer.events.DISCONNECT, () => {
    connecting = null;
    connected = false;
  });

  async function flush() {
    scheduled = false;
    const batch = queue;
    queue = [];
    // Whole sends go together while they fit; a send too large for one request is split, and
    // answers once every part of it was acknowledged. The parts go one after another, so one
    // recipient's notifications keep their order on the partition.
    let previous: Promise<unknown> = Promise.resolve();
    let messages: Message[] = [];
    let bytes = 0;
    let waiting: Promise<void>[][] = [];
    const settle = new Map<Pending, Promise<void>[]>();
    const write = () => {
      if (messages.length === 0) return;
      const request = messages;
      let start = 0n;
      // One timer per produce request rather than per mutation: p-timeout makes its error (and
      // stack) up front, which the send path's profile showed per call.
      const acknowledged = previous.then(connect).then(() => {
        start = process.hrtime.bigint();
        return producer.send({ topic, acks: -1, timeout: sendTimeoutMs, messages: request });
      });
      const written = pTimeout(acknowledged, { milliseconds: sendTimeoutMs, message: `no acknowledgement within ${sendTimeoutMs} ms` })
        .then(
          () => {
            telemetry.produced(secondsSince(start), true);
            lastWriteFailed = false;
          },
          (error: unknown) => {
            // A connection that failed never sent a request: nothing to time.
            if (start !== 0n) telemetry.produced(secondsSince(start), false);
            lastWriteFailed = true;
            throw error;
          },
        );
      // The next part waits for this one to really settle, not its timer: parts keep their order.
      previous = acknowledged.catch(() => {});
      for (const parts of waiting) parts.push(written);
      messages = [];
      bytes = 0;
      waiting = [];
    };
    for (const pending of batch) {
      const parts: Promise<void>[] = [];
      settle.set(pending, parts);
      if (messages.length > 0 && (messages.length + pending.messages.length > maxBatch || bytes + pending.bytes > maxBatchBytes)) write();
      waiting.push(parts);
      for (const message of pending.messages) {
        const size = sizeOf(message);
        if (messages.length > 0 && (messages.length >= maxBatch || bytes + size > maxBatchBytes)) {
          write();
          waiting.push(parts);
        }
        messages.push(message);
        bytes += size;
      }
    }
    write();
    for (const [pending, parts] of settle) {
      Promise.all(parts).then(pending.resolve, pending.reject);
    }
  }

  const send: NotificationProducer['send'] = (items: readonly NewNotification[]) => {
    const written = new Promise<void>((resolve, reject) => {
      const messages = items.map(encodeEvent);
      queue.push({ messages, bytes: messages.reduce((total, message) => total + sizeOf(message), 0), resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    return written.catch((error: unknown) => {
      log.warn({ err: error, count: items.length }, 'producing to Kafka failed');
      throw new NotifyError('KAFKA_UNAVAILABLE', 'Kafka did not acknowledge the notification; it may be retried safely with an idempotencyKey');
    });
  };

  return {
    send,
    start: connect,
    readiness: () => connected && !lastWriteFailed,
    async stop() {
      await producer.disconnect();
    },
  };
}

export type KafkaProducer = ReturnType<typeof createKafkaProducer>;
