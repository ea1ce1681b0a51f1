/**
 * What the consumer does with one batch of Kafka messages, in the order that makes it correct:
 * dead-letter what cannot be decoded, store the rest in one transaction, then publish only the
 * rows actually inserted and commit offsets, both only after the store committed.
 * Kafka itself stays outside: this is plain async code over the ports.
 */
import { decodeEvent } from './event.js';
import type { NewNotification, Notification } from './notification.js';
import type { NotificationStore } from './ports.js';

export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
}

export interface DeadLetter {
  message: ConsumedMessage;
  error: string;
}

export interface IngestPorts {
  store: Pick<NotificationStore, 'insertNotifications'>;
  deadLetter(letters: readonly DeadLetter[]): Promise<void>;
  /** Marks the batch done in Kafka; called once, after everything before it succeeded. */
  commit(): Promise<void>;
  publish(notification: Notification): void;
}

export function splitBatch(messages: readonly ConsumedMessage[]): { valid: NewNotification[]; invalid: DeadLetter[] } {
  const valid: NewNotification[] = [];
  const invalid: DeadLetter[] = [];
  for (const message of messages) {
    const decoded = decodeEvent(message.value);
    if (!decoded.ok) {
      invalid.push({ message, error: decoded.error });
    } else if (message.key !== null && message.key.toString('utf8') !== decoded.notification.recipientId) {
      // A wrong key would put this user's notifications on several partitions and lose their order.
      invalid.push({ message, error: 'key does not match the recipient id' });
    } else {
      valid.push(decoded.notification);
    }
  }
  return { valid, invalid };
}

export async function ingestBatch(
  messages: readonly ConsumedMessage[],
  ports: IngestPorts,
): Promise<{ inserted: Notification[]; deadLettered: number }> {
  const { valid, invalid } = splitBatch(messages);
  if (invalid.length > 0) await ports.deadLetter(invalid);
  const inserted = valid.length > 0 ? await ports.store.insertNotifications(valid) : [];
  // Pushed as soon as the store committed, without waiting for the offset commit (a broker
  // round-trip that Kafka 4 lingers on): stored is stored, and a redelivery of this batch, if
  // the offset commit fails, inserts nothing and so pushes nothing twice.
  for (const notification of inserted) ports.publish(notification);
  await ports.commit();
  return { inserted, deadLettered: invalid.length };
}
