/** Creates the topic and its dead-letter topic when missing; an existing topic is left as it is. */
import type { Admin } from 'kafkajs';

export interface TopicOptions {
  topic: string;
  dlqTopic: string;
  partitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
}

export async function ensureTopics(admin: Admin, { topic, dlqTopic, partitions, replicationFactor }: TopicOptions) {
  const existing = new Set(await admin.listTopics());
  const missing = [
    { topic, numPartitions: partitions, replicationFactor },
    // The DLQ is read by people, rarely: one partition keeps it in arrival order.
    { topic: dlqTopic, numPartitions: 1, replicationFactor },
  ].filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return;
  await admin.createTopics({ topics: missing, waitForLeaders: true });
}
