/**
 * Every metric the service exports, in a registry of its own per running system (tests start
 * several systems in one process, and a global registry would refuse the second set of names).
 * Label values come only from small fixed sets: kinds, error codes, reasons, store operations,
 * subscription fields and a capped set of operation names; never from raw text.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** From a millisecond up to ten seconds: produce, commit and store calls live at the low end. */
const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Send to push crosses a broker, a store and a socket; a backlog after an outage takes minutes. */
const END_TO_END_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    sent: new Counter({
      name: 'notify_notifications_sent_total',
      help: 'Notifications a send mutation was asked for, by kind and outcome (accepted, or the error code it was refused with)',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    produceSeconds: new Histogram({
      name: 'notify_kafka_produce_duration_seconds',
      help: 'Produce requests to the notifications topic, from sending (connecting first when it must) to the acknowledgement of all in-sync replicas, or the failure',
      labelNames: ['outcome'] as const,
      buckets: CALL_BUCKETS,
      registers,
    }),
    sendOverruns: new Counter({
      name: 'notify_kafka_send_overruns_total',
      help: 'Sends answered later than KAFKA_SEND_TIMEOUT_MS plus its 250 ms tolerance after reaching the producer: the process was too busy to answer in time; should stay 0',
      registers,
    }),
    consumed: new Counter({
      name: 'notify_notifications_consumed_total',
      help: 'Messages read from the notifications topic and settled (stored, skipped as already stored, or dead-lettered); a redelivered batch counts again',
      registers,
    }),
    stored: new Counter({
      name: 'notify_notifications_stored_total',
      help: 'Notifications inserted into the store (a redelivered one, already stored, is not counted)',
      registers,
    }),
    deadLettered: new Counter({
      name: 'notify_notifications_dead_lettered_total',
      help: 'Messages written to the dead-letter topic, by reason',
      labelNames: ['reason'] as const,
      registers,
    }),
    muted: new Counter({
      name: 'notify_notifications_muted_total',
      help: 'Notifications read and not stored because their recipient muted the kind (their offsets are committed: handled, not lost); a redelivered batch counts again',
      labelNames: ['kind'] as const,
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'notify_kafka_commit_duration_seconds',
      help: "Committing a batch's offsets to the consumer group",
      buckets: CALL_BUCKETS,
      registers,
    }),
    storeSeconds: new Histogram({
      name: 'notify_store_duration_seconds',
      help: 'Store calls (each one transaction or query), by operation and outcome',
      labelNames: ['operation', 'outcome'] as const,
      buckets: CALL_BUCKETS,
      registers,
    }),
    pushed: new Counter({
      name: 'notify_notifications_pushed_total',
      help: 'Notifications handed to a notificationAdded subscriber: live; replayed from the store after a cursor; or caught up from the store because the live path skipped it (catchup)',
      labelNames: ['source'] as const,
      registers,
    }),
    endToEndSeconds: new Histogram({
      name: 'notify_end_to_end_latency_seconds',
      help: 'From a notification being created (its createdAt, set when sent) to its live push to a subscriber',
      buckets: END_TO_END_BUCKETS,
      registers,
    }),
    pubsubUp: new Gauge({
      name: 'notify_pubsub_up',
      help: '1 while the live path (Redis pub/sub, or in-process) delivers; 0 while Redis is away (feeds catch up from the store when it is back)',
      registers,
    }),
    pubsubPublishFailures: new Counter({
      name: 'notify_pubsub_publish_failures_total',
      help: 'Live events Redis did not take (delivered to this instance only; the other instances catch up from the store)',
      registers,
    }),
    pubsubResyncs: new Counter({
      name: 'notify_pubsub_resyncs_total',
      help: 'Times the open feeds of this instance were told to catch up from the store (the pub/sub may have lost events)',
      registers,
    }),
    broadcastRecipients: new Counter({
      name: 'notify_broadcast_recipients_total',
      help: 'Per-recipient notification events written by broadcast expansion (a page produced again after a crash counts again; the inbox stores it once)',
      registers,
    }),
    websocketConnections: new Gauge({ name: 'notify_websocket_connections', help: 'Open WebSocket (graphql-ws) connections', registers }),
    sseConnections: new Gauge({ name: 'notify_sse_connections', help: 'Open SSE subscription streams', registers }),
    subscriptions: new Gauge({
      name: 'notify_subscriptions_active',
      help: 'Subscriptions running now, over WebSocket and SSE, by root field',
      labelNames: ['field'] as const,
      registers,
    }),
    operations: new Counter({
      name: 'notify_graphql_operations_total',
      help: 'GraphQL operations, by operation name (invalid when it did not parse or validate) and type',
      labelNames: ['operation', 'type'] as const,
      registers,
    }),
    graphqlErrors: new Counter({
      name: 'notify_graphql_errors_total',
      help: 'Errors in GraphQL responses, by operation name and extensions.code',
      labelNames: ['operation', 'code'] as const,
      registers,
    }),
    httpApiRequests: new Counter({
      name: 'notify_http_api_requests_total',
      help: 'Requests to the HTTP API send routes (POST /v1/notifications, POST /send), by route and outcome (OK, or the error code answered)',
      labelNames: ['route', 'code'] as const,
      registers,
    }),
    refused: new Counter({
      name: 'notify_requests_refused_total',
      help: "Requests and WebSocket connections refused for the client's own mistake before any operation ran (logged at debug only), by transport and reason",
      labelNames: ['transport', 'reason'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
