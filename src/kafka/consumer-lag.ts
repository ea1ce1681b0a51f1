/**
 * The consumer group's lag per partition: the topic's end offset minus the group's committed
 * offset (or minus the earliest offset while the group has committed nothing there). Read with
 * the admin API on demand, and kept for a few seconds, so that several scrapers, or a scrape
 * every second, cost the brokers one pair of requests per interval.
 */
import pTimeout from 'p-timeout';
import type { Admin, Kafka } from 'kafkajs';

export interface PartitionLag {
  partition: number;
  lag: number;
}

export interface LagReaderOptions {
  topic: string;
  groupId: string;
  cacheMs?: number;
  /** A scrape must answer even while the brokers are away: no figure rather than a hung scrape. */
  timeoutMs?: number;
}

export function createLagReader(kafka: Kafka, { topic, groupId, cacheMs = 5000, timeoutMs = 3000 }: LagReaderOptions) {
  let admin: Admin | null = null;
  let connected: Promise<void> | null = null;
  let cached: { at: number; lag: Promise<PartitionLag[]> } | null = null;
  let stopped = false;

  async function read(): Promise<PartitionLag[]> {
    admin ??= kafka.admin({ retry: { retries: 1, initialRetryTime: 100 } });
    connected ??= admin.connect();
    await connected;
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const committedAt = new Map((committed[0]?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]));
    return ends
      .map(({ partition, high, low }) => {
        const at = committedAt.get(partition) ?? -1;
        return { partition, lag: Math.max(0, Number(high) - (at >= 0 ? at : Number(low))) };
      })
      .sort((a, b) => a.partition - b.partition);
  }

  async function readWithin(): Promise<PartitionLag[]> {
    try {
      return await pTimeout(read(), { milliseconds: timeoutMs, message: `no answer within ${timeoutMs} ms` });
    } catch {
      // Connect afresh next time: the connection may be what failed.
      const failed = admin;
      admin = null;
      connected = null;
      await failed?.disconnect().catch(() => {});
      return [];
    }
  }

  return {
    /** Empty while the brokers do not answer. */
    lag(): Promise<PartitionLag[]> {
      if (stopped) return Promise.resolve([]);
      if (!cached || Date.now() - cached.at > cacheMs) cached = { at: Date.now(), lag: readWithin() };
      return cached.lag;
    },
    async stop() {
      stopped = true;
      await admin?.disconnect().catch(() => {});
    },
  };
}

export type LagReader = ReturnType<typeof createLagReader>;
