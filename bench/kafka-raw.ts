/**
 * Plain kafkajs, for the baselines and for watching the system's consumer group: the same event
 * JSON the service writes (its own encoder), the same key (the recipient) and partitioner.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type KafkaMessage, type Message, type PartitionMetadata } from 'kafkajs';
import { encodeEvent } from '../src/notifications/event.js';
import type { BenchContext } from './context.js';
import { cpuMeter } from './cpu.js';
import { runConcurrently, waitFor, wallClockMs, within } from './stats.js';

export function rawKafka(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'kafka-notify-bench', brokers, logLevel: logLevel.NOTHING, connectionTimeout: 3000 });
}

/** One event exactly as sendNotification would write it: a LIKE from Emma (user 1). */
export function likeEvent(recipientId: string, message: string): Message {
  return encodeEvent({
    id: randomUUID(),
    senderId: '1',
    recipientId,
    kind: 'like',
    message,
    link: null,
    data: null,
    createdAt: new Date(),
  });
}

/**
 * `perPartition` user ids for each of `partitions` partitions under the service's partitioner, so
 * that load keyed by them spreads evenly instead of wherever a few hashes happen to land.
 */
export function recipientsAcrossPartitions(prefix: string, partitions: number, perPartition: number): string[] {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 1,
    replicas: [1],
    isr: [1],
  }));
  const partitionOf = Partitioners.DefaultPartitioner();
  const chosen: string[] = [];
  const counts = new Array<number>(partitions).fill(0);
  for (let n = 0; chosen.length < partitions * perPartition; n += 1) {
    const id = `${prefix}-${n}`;
    const partition = partitionOf({ topic: 'any', partitionMetadata, message: { key: id, value: null } });
    if (counts[partition]! < perPartition) {
      counts[partition]! += 1;
      chosen.push(id);
    }
  }
  return chosen;
}

export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
}

/**
 * Writes `count` notifications for `userId` straight onto a system's topic and waits until the
 * system has stored them: the quick way to give a user a large inbox.
 */
export async function fillInbox(
  kafka: Kafka,
  admin: Admin,
  system: { topic: string; groupId: string },
  userId: string,
  count: number,
): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await runConcurrently(Math.ceil(count / 500), 2, async (batch) => {
      const size = Math.min(500, count - batch * 500);
      const messages = Array.from({ length: size }, (_, i) => likeEvent(userId, `Emma liked your post #${batch * 500 + i}.`));
      await producer.send({ topic: system.topic, acks: -1, messages });
    });
  } finally {
    await producer.disconnect();
  }
  await waitCaughtUp(admin, system.groupId, system.topic);
}

/** How many messages of `topic` the group has not committed yet. */
export async function groupLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
  const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  let lag = 0;
  for (const { partition, high, low } of ends) {
    // -1: nothing committed yet, which counts from the start of the log.
    const at = Math.max(done.get(partition) ?? -1, Number(low));
    lag += Math.max(0, Number(high) - at);
  }
  return lag;
}

/**
 * Waits until the group committed everything on `topic`. The service commits only after its
 * store committed, so a lag of 0 means the store holds every message.
 */
export async function waitCaughtUp(admin: Admin, groupId: string, topic: string, timeoutMs = 120_000): Promise<void> {
  await waitFor(`consumer group ${groupId} to catch up on ${topic}`, async () => (await groupLag(admin, groupId, topic)) === 0, {
    timeoutMs,
    intervalMs: 50,
  });
}

const GROUP_READ_TIMEOUT_MS = 180_000;

/**
 * A new consumer group reads `total` events of `topic`, each batch given to `handle`, which answers
 * how many of them it dealt with: ms from the group join until the last one was dealt with, and
 * the CPU used meanwhile. The ingest baselines (read only, and read + INSERT) both time this way.
 */
export async function timedGroupRead(
  ctx: BenchContext,
  { group, topic, total, what, handle }: { group: string; topic: string; total: number; what: string; handle: (messages: KafkaMessage[]) => Promise<number> | number },
): Promise<{ ms: number; cpu: Record<string, number> }> {
  const consumer = ctx.kafka.consumer({ groupId: ctx.name(group), allowAutoTopicCreation: false });
  let joinedAt: number | undefined;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ??= wallClockMs();
  });
  let handled = 0;
  let resolveDone: (at: number) => void = () => {};
  let rejectDone: (error: unknown) => void = () => {};
  const done = new Promise<number>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  try {
    const meter = cpuMeter({ broker: ctx.brokerPid });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: Math.max(1, Math.min(ctx.settings.partitions, 4)),
      eachBatch: async ({ batch }) => {
        try {
          // Awaited first: `handled += await …` would read `handled` before the await, and
          // batches of other partitions run meanwhile.
          const count = await handle(batch.messages);
          handled += count;
          if (handled >= total) resolveDone(wallClockMs());
        } catch (error) {
          rejectDone(error);
          throw error;
        }
      },
    });
    const finishedAt = await within(done, GROUP_READ_TIMEOUT_MS, what);
    const cpu = meter();
    if (joinedAt === undefined) throw new Error('the raw consumer never reported joining its group');
    return { ms: finishedAt - joinedAt, cpu };
  } finally {
    await consumer.disconnect();
  }
}

/**
 * The raw produce → consume baseline of the live figures: a topic of the service's layout, a plain
 * producer and a consumer group that hands each event's message text, and when it arrived, to
 * `arrived`. Resolves once both are connected and the group runs.
 */
export async function rawRoundTrip(ctx: BenchContext, name: string, arrived: (text: string | undefined, at: number) => void) {
  const topic = ctx.name(name);
  await createTopic(ctx.admin, topic, ctx.settings.partitions);
  const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  const consumer = ctx.kafka.consumer({ groupId: ctx.name(`${name}-group`), allowAutoTopicCreation: false });
  const close = async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const at = wallClockMs();
        arrived((JSON.parse(message.value?.toString('utf8') ?? 'null') as { message?: string } | null)?.message, at);
      },
    });
  } catch (error) {
    await close();
    throw error;
  }
  return {
    /** One event to `recipientId`, acknowledged by all in-sync replicas. */
    send: async (recipientId: string, text: string) => {
      await producer.send({ topic, acks: -1, messages: [likeEvent(recipientId, text)] });
    },
    close,
  };
}
