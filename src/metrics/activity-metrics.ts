/**
 * The activity relay's figures: events it produced, how long after the change each reached Kafka
 * (the relay's lag), and, read from the store when scraped, how many changes wait in the outbox
 * and since when. A growing outbox with an old oldest row is a relay that cannot drain.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Activity } from '../notifications/activity-event.js';
import type { ActivityBacklog } from '../notifications/ports.js';
import type { Metrics } from './metrics.js';
import { oncePerScrape } from './scrape-once.js';

/** From a few milliseconds (woken at the commit) to minutes (drained after an outage). */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function registerActivityMetrics({ registry }: Metrics, backlog: () => Promise<ActivityBacklog>) {
  const registers = [registry];
  const produced = new Counter({
    name: 'notify_activity_events_produced_total',
    help: 'Inbox state changes the relay produced to the activity topic and removed from the outbox (a page produced again after a crash counts again; readers count it once)',
    registers,
  });
  const lag = new Histogram({
    name: 'notify_activity_relay_lag_seconds',
    help: 'From an inbox state change (its time) to Kafka acknowledging its activity event',
    buckets: LAG_BUCKETS,
    registers,
  });
  // Both from one read of the outbox per scrape; none while the store is away.
  const read = oncePerScrape(backlog);
  new Gauge({
    name: 'notify_activity_outbox_rows',
    help: 'Inbox state changes committed and not yet acknowledged by Kafka (every instance reports the shared outbox: aggregate with max)',
    registers,
    async collect() {
      this.reset();
      const figures = await read();
      if (figures) this.set(figures.rows);
    },
  });
  new Gauge({
    name: 'notify_activity_outbox_oldest_seconds',
    help: 'Age of the oldest change waiting in the outbox; 0 when it is empty',
    registers,
    async collect() {
      this.reset();
      const figures = await read();
      if (figures) this.set(figures.oldestAt ? Math.max(0, (Date.now() - figures.oldestAt.getTime()) / 1000) : 0);
    },
  });
  return {
    produced(activities: readonly Activity[]) {
      produced.inc(activities.length);
      const now = Date.now();
      for (const activity of activities) lag.observe(Math.max(0, (now - activity.at.getTime()) / 1000));
    },
  };
}
