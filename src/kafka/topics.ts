/** Creates the topic, its dead-letter topic, the broadcast and activity topics when missing; an existing topic is left as it is. */
import type { Admin } from 'kafkajs';

export interface TopicOptions {
  topic: string;
  dlqTopic: string;
  /** Broadcast events, expanded by a group of their own into notification events. */
  broadcastTopic: string;
  /** Committed inbox state changes, keyed by recipient (drained from the store's outbox). */
  activityTopic: string;
  partitions: number;
  /** -1: the broker's default. */
  replicationFactor: number;
  /** For topics created here; unset: 2 with a replication factor of 3 or more, else the broker's default. */
  minInsyncReplicas?: number | undefined;
}

/**
 * With acks = all, a write is acknowledged once every in-sync replica has it; min.insync.replicas
 * says how few may remain before writes are refused rather than kept on too few copies. Kafka's
 * advice for three replicas is two: one broker may fail with no write lost and no write refused.
 */
export function minInsyncFor({ replicationFactor, minInsyncReplicas }: Pick<TopicOptions, 'replicationFactor' | 'minInsyncReplicas'>): number | undefined {
  if (minInsyncReplicas !== undefined) return minInsyncReplicas;
  return replicationFactor >= 3 ? replicationFactor - 1 : undefined;
}

export async function ensureTopics(admin: Admin, options: TopicOptions) {
  const { topic, dlqTopic, broadcastTopic, activityTopic, partitions, replicationFactor } = options;
  const minInsync = minInsyncFor(options);
  const configEntries = minInsync === undefined ? [] : [{ name: 'min.insync.replicas', value: String(minInsync) }];
  const existing = new Set(await admin.listTopics());
  const missing = [
    { topic, numPartitions: partitions, replicationFactor, configEntries },
    // The DLQ is read by people, rarely: one partition keeps it in arrival order.
    { topic: dlqTopic, numPartitions: 1, replicationFactor, configEntries },
    // Keyed by topic name; a few partitions let several instances expand different topics at once.
    { topic: broadcastTopic, numPartitions: partitions, replicationFactor, configEntries },
    // Keyed by recipient as the notifications are, so a reader of both may split them alike.
    { topic: activityTopic, numPartitions: partitions, replicationFactor, configEntries },
  ].filter((spec) => !existing.has(spec.topic));
  if (missing.length === 0) return;
  await admin.createTopics({ topics: missing, waitForLeaders: true });
}
