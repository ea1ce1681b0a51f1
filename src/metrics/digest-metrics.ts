/**
 * The digests' figures (issue 17): notifications the inbox consumer kept for a digest instead of
 * storing them, summaries the digest job produced, and, read from the store when scraped, the
 * periods not closed yet and the items they hold. Pending periods that only grow are a digest job
 * that does not run (or cannot reach Kafka).
 */
import { Counter, Gauge } from 'prom-client';
import type { NotificationKind } from '../notifications/notification.js';
import type { DigestBacklog } from '../notifications/ports.js';
import type { Metrics } from './metrics.js';
import { oncePerScrape } from './scrape-once.js';

export function registerDigestMetrics({ registry }: Metrics, backlog: () => Promise<DigestBacklog>) {
  const registers = [registry];
  const digested = new Counter({
    name: 'notify_notifications_digested_total',
    help: 'Notifications read and kept for a digest instead of stored one by one (their offsets are committed: handled, not lost); a redelivered batch counts again',
    labelNames: ['kind'] as const,
    registers,
  });
  const delivered = new Counter({
    name: 'notify_digests_delivered_total',
    help: 'Digest summaries produced to the notification topic (one produced again after a crash counts again; the inbox stores it once)',
    labelNames: ['kind'] as const,
    registers,
  });
  // Both from one read of the store per scrape; none while the store is away.
  const read = oncePerScrape(backlog);
  new Gauge({
    name: 'notify_digest_periods_pending',
    help: 'Digest periods holding items and not closed yet (every instance reports the shared store: aggregate with max)',
    registers,
    async collect() {
      this.reset();
      const figures = await read();
      if (figures) this.set(figures.periods);
    },
  });
  new Gauge({
    name: 'notify_digest_items_pending',
    help: 'Notifications waiting in digest periods not closed yet',
    registers,
    async collect() {
      this.reset();
      const figures = await read();
      if (figures) this.set(figures.items);
    },
  });
  return {
    digested: (kind: NotificationKind, count: number) => digested.inc({ kind }, count),
    delivered: (kind: NotificationKind, count: number) => delivered.inc({ kind }, count),
  };
}
