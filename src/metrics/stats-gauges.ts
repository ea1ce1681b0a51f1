/**
 * The stats consumer's figures on /metrics, read when scraped: its group's lag per topic and
 * partition, and the end of the newest closed window of each size (a window closes once every
 * partition's watermark passed its end plus the grace). Counted as they happen: messages folded
 * in, and messages no codec could read.
 */
import { Counter, Gauge } from 'prom-client';
import type { Metrics } from './metrics.js';

export interface StatsSources {
  lag(): Promise<readonly { topic: string; partition: number; lag: number }[]>;
  /** Per window size (minute, hour, day); null while none is closed. */
  lastClosed(granularity: 'minute' | 'hour' | 'day'): Promise<Date | null>;
}

export function registerStatsMetrics({ registry }: Metrics, sources: StatsSources) {
  const registers = [registry];
  new Gauge({
    name: 'notify_stats_consumer_lag',
    help: 'Messages of the notification and activity topics not yet committed by the stats consumer group, per partition (every instance reports the group\'s figure: aggregate with max)',
    labelNames: ['topic', 'partition'] as const,
    registers,
    async collect() {
      this.reset();
      for (const { topic, partition, lag } of await sources.lag()) this.set({ topic, partition: String(partition) }, lag);
    },
  });
  new Gauge({
    name: 'notify_stats_last_closed_window_end_seconds',
    help: 'End (Unix seconds) of the newest closed stats window, by window size; absent until one closed',
    labelNames: ['window'] as const,
    registers,
    async collect() {
      this.reset();
      for (const granularity of ['minute', 'hour', 'day'] as const) {
        const end = await sources.lastClosed(granularity).catch(() => null);
        if (end) this.set({ window: granularity }, end.getTime() / 1000);
      }
    },
  });
  const applied = new Counter({ name: 'notify_stats_messages_total', help: 'Messages folded into the stats by the stats consumer (a redelivery already counted is not counted again), by topic', labelNames: ['topic'] as const, registers });
  const unreadable = new Counter({ name: 'notify_stats_unreadable_total', help: 'Messages the stats consumer could not read (left out of the figures, logged), by topic', labelNames: ['topic'] as const, registers });
  return {
    onApplied: (topic: string, count: number) => applied.inc({ topic }, count),
    onUnreadable: (topic: string, count: number) => unreadable.inc({ topic }, count),
  };
}
