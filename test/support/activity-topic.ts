/**
 * A raw kafkajs reader of the activity topic, as another service would read it: a group of its
 * own from the beginning, every message decoded with the codec, and a wait for what a test
 * expects that resolves on the message that brings it (no polling, no sleeps).
 */
import { Kafka, logLevel } from 'kafkajs';
import { decodeActivity, type Activity } from '../../src/notifications/activity-event.js';
import { uniqueName } from './kafka.js';

export interface ActivityMessage {
  key: string | null;
  partition: number;
  activity: Activity;
}

export async function readActivityTopic(brokers: string[], topic: string) {
  const kafka = new Kafka({ clientId: uniqueName('activity-reader'), brokers, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: uniqueName('activity-reader') });
  const received: ActivityMessage[] = [];
  const undecodable: string[] = [];
  const checks = new Set<() => void>();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const decoded = decodeActivity(message.value);
      if (decoded.ok) received.push({ key: message.key?.toString() ?? null, partition, activity: decoded.activity });
      else undecodable.push(decoded.error);
      for (const check of checks) check();
    },
  });
  return {
    received,
    undecodable,
    /** Resolves once `done` holds of what was received (checked now and at every message). */
    until(done: (received: readonly ActivityMessage[]) => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (!done(received)) return;
          checks.delete(check);
          resolve();
        };
        checks.add(check);
        check();
      });
    },
    stop: () => consumer.disconnect(),
  };
}
