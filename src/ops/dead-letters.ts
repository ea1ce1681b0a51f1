/**
 * The dead-letter topic, for the people who look after it: list what is there (why, from where,
 * when, a preview), and replay the ones that now decode (after a fix, or a producer's repair)
 * onto the notification topic, where the consumer stores them as if they had never failed. A
 * replayed event keeps its notification id, so replaying twice stores it once.
 */
import type { Kafka } from 'kafkajs';
import { readDeadLetterHeaders } from '../kafka/dead-letter-headers.js';
import { decodeEvent, encodeEvent } from '../notifications/event.js';

export interface DeadLetterEntry {
  /** Its offset in the dead-letter topic: what `replay --id` names. */
  id: string;
  error: string;
  origin: string;
  failedAt: string;
  preview: string;
  value: Buffer | null;
}

/** Every dead letter now in `dlqTopic` (one partition), oldest first; reads without joining a group. */
export async function listDeadLetters(kafka: Kafka, dlqTopic: string): Promise<DeadLetterEntry[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; offset: string; low: string }[];
  try {
    ends = (await admin.fetchTopicOffsets(dlqTopic)).map(({ partition, high, low }) => ({ partition, offset: high, low }));
  } finally {
    await admin.disconnect();
  }
  const wanted = ends.filter(({ offset, low }) => BigInt(offset) > BigInt(low));
  if (wanted.length === 0) return [];

  const entries: DeadLetterEntry[] = [];
  // A group of its own, never committed: reading leaves no trace and moves nothing.
  const consumer = kafka.consumer({ groupId: `kafka-notify-dlq-reader-${process.pid}-${Date.now()}`, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: dlqTopic, fromBeginning: true });
    const remaining = new Map(wanted.map(({ partition, offset }) => [partition, BigInt(offset)]));
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            const headers = readDeadLetterHeaders(message.headers);
            const text = message.value?.toString('utf8') ?? '';
            entries.push({
              id: partition === 0 ? message.offset : `${partition}:${message.offset}`,
              error: headers.error,
              origin: `${headers.originalTopic}/${headers.originalPartition}@${headers.originalOffset}`,
              failedAt: headers.failedAt,
              preview: text.length > 120 ? `${text.slice(0, 120)}…` : text,
              value: message.value,
            });
            const end = remaining.get(partition);
            if (end !== undefined && BigInt(message.offset) + 1n >= end) remaining.delete(partition);
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return entries.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
}

export interface ReplayReport {
  replayed: { id: string; notificationId: string }[];
  failed: { id: string; error: string }[];
}

/** Re-produces the chosen dead letters that decode now; reports which went and which failed again, and why. */
export async function replayDeadLetters(kafka: Kafka, { topic, dlqTopic, ids }: { topic: string; dlqTopic: string; ids: 'all' | readonly string[] }): Promise<ReplayReport> {
  const entries = (await listDeadLetters(kafka, dlqTopic)).filter((entry) => ids === 'all' || ids.includes(entry.id));
  const report: ReplayReport = { replayed: [], failed: [] };
  const messages = [];
  for (const entry of entries) {
    const decoded = decodeEvent(entry.value);
    if (!decoded.ok) {
      report.failed.push({ id: entry.id, error: decoded.error });
      continue;
    }
    // Encoded afresh: the same event, keyed by its recipient as every producer must.
    messages.push(encodeEvent(decoded.notification));
    report.replayed.push({ id: entry.id, notificationId: decoded.notification.id });
  }
  if (ids !== 'all') {
    for (const id of ids) if (!entries.some((entry) => entry.id === id)) report.failed.push({ id, error: 'no such dead letter' });
  }
  if (messages.length > 0) {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages });
    } finally {
      await producer.disconnect();
    }
  }
  return report;
}
