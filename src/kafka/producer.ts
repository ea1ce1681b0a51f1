/**
 * The notification producer. Sends that arrive in the same tick are merged into one produce
 * request (micro-batching): under load that is one round-trip for many mutations. Every send
 * waits for acks from all in-sync replicas, and for at most `sendTimeoutMs`.
 */
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { encodeEvent } from '../notifications/event.js';
import { NotifyError } from '../notifications/errors.js';
import type { NewNotification } from '../notifications/notification.js';
import type { NotificationProducer } from '../notifications/ports.js';
import type { Logger } from '../logger.js';

export interface ProducerOptions {
  topic: string;
  sendTimeoutMs: number;
  /** Messages per produce request at most. */
  maxBatch?: number;
  log: Logger;
}

interface Pending {
  messages: Message[];
  resolve(): void;
  reject(error: unknown): void;
}

export function createKafkaProducer(kafka: Kafka, { topic, sendTimeoutMs, maxBatch = 5000, log }: ProducerOptions) {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // Bounded: a request must answer KAFKA_UNAVAILABLE in time, not retry forever.
    retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  let connecting: Promise<void> | null = null;
  let queue: Pending[] = [];
  let scheduled = false;

  function connect(): Promise<void> {
    connecting ??= producer.connect().catch((error: unknown) => {
      connecting = null;
      throw error;
    });
    return connecting;
  }
  // kafkajs drops the connection on some errors; connect again on the next send.
  producer.on(producer.events.DISCONNECT, () => {
    connecting = null;
  });

  async function flush() {
    scheduled = false;
    const batch = queue;
    queue = [];
    for (let start = 0; start < batch.length; ) {
      let count = 0;
      let end = start;
      while (end < batch.length && (count === 0 || count + batch[end]!.messages.length <= maxBatch)) {
        count += batch[end]!.messages.length;
        end += 1;
      }
      const group = batch.slice(start, end);
      start = end;
      void connect()
        .then(() => producer.send({ topic, acks: -1, timeout: sendTimeoutMs, messages: group.flatMap((p) => p.messages) }))
        .then(
          () => group.forEach((p) => p.resolve()),
          (error: unknown) => group.forEach((p) => p.reject(error)),
        );
    }
  }

  const send: NotificationProducer['send'] = (items: readonly NewNotification[]) => {
    const written = new Promise<void>((resolve, reject) => {
      queue.push({ messages: items.map(encodeEvent), resolve, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement within ${sendTimeoutMs} ms`)), sendTimeoutMs);
    });
    return Promise.race([written, timeout])
      .catch((error: unknown) => {
        log.warn({ err: error, count: items.length }, 'producing to Kafka failed');
        throw new NotifyError('KAFKA_UNAVAILABLE', 'Kafka did not acknowledge the notification; it may be retried safely with an idempotencyKey');
      })
      .finally(() => clearTimeout(timer));
  };

  return {
    send,
    start: connect,
    async stop() {
      await producer.disconnect();
    },
  };
}

export type KafkaProducer = ReturnType<typeof createKafkaProducer>;
