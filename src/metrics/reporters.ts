/**
 * The ports the domain and the Kafka adapter report through, implemented on the metrics. They
 * know nothing of Prometheus; this is the one place that turns what they say into figures.
 */
import type { KafkaTelemetry } from '../kafka/telemetry.js';
import type { IngestTelemetry } from '../notifications/ingest.js';
import type { NotifyTelemetry } from '../notifications/ports.js';
import type { Metrics } from './metrics.js';

export function notifyTelemetry(metrics: Metrics): NotifyTelemetry {
  return {
    sent: (kind, outcome) => metrics.sent.inc({ kind, outcome }),
    pushed(notification, source) {
      metrics.pushed.inc({ source });
      // A replay after a cursor hands over old rows: their age is not a delivery time. A catch-up's
      // is: it is how late the push came because the live path lost it.
      if (source !== 'replay') metrics.endToEndSeconds.observe(Math.max(0, (Date.now() - notification.createdAt.getTime()) / 1000));
    },
  };
}

export function kafkaTelemetry(metrics: Metrics): KafkaTelemetry {
  return {
    produced: (seconds, ok) => metrics.produceSeconds.observe({ outcome: ok ? 'ok' : 'error' }, seconds),
    sendOverran: () => metrics.sendOverruns.inc(),
    consumed(messages, stored) {
      metrics.consumed.inc(messages);
      metrics.stored.inc(stored);
    },
    deadLettered: (reason, count) => metrics.deadLettered.inc({ reason }, count),
    committed: (seconds) => metrics.commitSeconds.observe(seconds),
  };
}

export function ingestTelemetry(metrics: Metrics): IngestTelemetry {
  return { muted: (kind, count) => metrics.muted.inc({ kind }, count) };
}
