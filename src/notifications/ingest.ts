/**
 * What the consumer does with one batch of Kafka messages, in the order that makes it correct:
 * dead-letter what cannot be decoded, store the rest in one transaction, then publish only the
 * rows actually inserted and commit offsets, both only after the store committed.
 * Kafka itself stays outside: this is plain async code over the ports.
 */
import { StoreRefused } from './errors.js';
import { decodeEvent } from './event.js';
import type { NewNotification, Notification } from './notification.js';
import type { InboxPubSub, NotificationStore } from './ports.js';

export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

/** A small fixed set, for metrics and alerts; `error` says the particulars. */
export type DeadLetterReason = 'undecodable' | 'invalid' | 'wrong_key' | 'store_refused' | 'processing_failed';

export interface DeadLetter {
  message: ConsumedMessage;
  reason: DeadLetterReason;
  error: string;
}

export interface IngestPorts {
  store: Pick<NotificationStore, 'insertNotifications'>;
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  /** Marks the batch done in Kafka; called once, after everything before it succeeded. */
  commit(): Promise<void>;
  publish(notification: Notification): void;
  /**
   * How the batch settled, told before anything of it is published: whoever sees a push can
   * count on the batch being counted already.
   */
  settled?(counts: { consumed: number; stored: number }): void;
}

interface Decoded {
  message: ConsumedMessage;
  notification: NewNotification;
}

function decodeBatch(messages: readonly ConsumedMessage[]): { valid: Decoded[]; invalid: DeadLetter[] } {
  const valid: Decoded[] = [];
  const invalid: DeadLetter[] = [];
  for (const message of messages) {
    const decoded = decodeEvent(message.value);
    if (!decoded.ok) {
      invalid.push({ message, reason: decoded.reason, error: decoded.error });
    } else if (message.key !== null && message.key.toString('utf8') !== decoded.notification.recipientId) {
      // A wrong key would put this user's notifications on several partitions and lose their order.
      invalid.push({ message, reason: 'wrong_key', error: 'key does not match the recipient id' });
    } else {
      valid.push({ message, notification: decoded.notification });
    }
  }
  return { valid, invalid };
}

export function splitBatch(messages: readonly ConsumedMessage[]): { valid: NewNotification[]; invalid: DeadLetter[] } {
  const { valid, invalid } = decodeBatch(messages);
  return { valid: valid.map((item) => item.notification), invalid };
}

/**
 * Stores the batch in one transaction. When the store refuses something in it for what it
 * holds (StoreRefused: it can never be stored), the rows go one by one, in order, so that only
 * the ones at fault are dead-lettered, with the store's reason, and the partition moves on.
 * Any other failure (the store is away) is thrown, to be retried with nothing committed.
 */
async function storeBatch(valid: readonly Decoded[], ports: IngestPorts): Promise<{ inserted: Notification[]; refused: DeadLetter[] }> {
  if (valid.length === 0) return { inserted: [], refused: [] };
  try {
    return { inserted: await ports.store.insertNotifications(valid.map((item) => item.notification)), refused: [] };
  } catch (error) {
    if (!(error instanceof StoreRefused)) throw error;
  }
  const inserted: Notification[] = [];
  const refused: DeadLetter[] = [];
  for (const { message, notification } of valid) {
    try {
      inserted.push(...(await ports.store.insertNotifications([notification])));
    } catch (error) {
      if (!(error instanceof StoreRefused)) throw error;
      refused.push({ message, reason: 'store_refused', error: `the store refused it: ${error.message}` });
    }
  }
  return { inserted, refused };
}

export async function ingestBatch(
  messages: readonly ConsumedMessage[],
  ports: IngestPorts,
): Promise<{ inserted: Notification[]; deadLettered: number }> {
  const { valid, invalid } = decodeBatch(messages);
  if (invalid.length > 0) await ports.deadLetter(invalid);
  const { inserted, refused } = await storeBatch(valid, ports);
  if (refused.length > 0) await ports.deadLetter(refused);
  ports.settled?.({ consumed: messages.length, stored: inserted.length });
  // Pushed as soon as the store committed, without waiting for the offset commit (a broker
  // round-trip that Kafka 4 lingers on): stored is stored, and a redelivery of this batch, if
  // the offset commit fails, inserts nothing and so pushes nothing twice.
  for (const notification of inserted) ports.publish(notification);
  await ports.commit();
  return { inserted, deadLettered: invalid.length + refused.length };
}

/** What the Kafka side lends one batch: where dead letters go, the offset commit, and how to retry a store call while it still owns the batch. */
export interface BatchCallbacks {
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  commit(): Promise<void>;
  /** Runs a store call, retrying it for as long as the batch is still ours (a store outage). */
  retryStore<T>(call: () => Promise<T>): Promise<T>;
  settled?(counts: { consumed: number; stored: number }): void;
}

/**
 * The ingestor the composition root builds from the domain's ports and hands to the consumer:
 * the consumer never sees the store or the pub/sub, only this.
 */
export function createIngestor({ store, pubsub }: { store: Pick<NotificationStore, 'insertNotifications'>; pubsub: Pick<InboxPubSub, 'publishAdded'> }) {
  return {
    ingest: (messages: readonly ConsumedMessage[], callbacks: BatchCallbacks) =>
      ingestBatch(messages, {
        store: { insertNotifications: (items) => callbacks.retryStore(() => store.insertNotifications(items)) },
        deadLetter: callbacks.deadLetter,
        commit: callbacks.commit,
        publish: (notification) => pubsub.publishAdded(notification),
        ...(callbacks.settled && { settled: callbacks.settled }),
      }),
  };
}

export type Ingestor = ReturnType<typeof createIngestor>;
