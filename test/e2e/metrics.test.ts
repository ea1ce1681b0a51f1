/**
 * /metrics against known traffic on the real system: N good sends, one refused input, one
 * poison message written straight to the topic, an unparsable document, and a subscriber over
 * WebSocket and one over SSE receiving every push. Each counter must move by exactly what was
 * sent. The test waits on the events themselves (the pushes, the letter on the dead-letter
 * topic) before it reads: the service counts each thing before the event that shows it.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, graphqlData, sseSubscribe, wsClient, wsSubscribe } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { metricsUntil, readMetrics, sample, series, type Samples } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const N = 5;
const SEND = `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }`;
const follow = (message: string) => ({ input: { senderId: '1', recipientId: '2', kind: 'follow', message } });

describe('/metrics', () => {
  let system: TestSystem;
  const kafka = new Kafka({ brokers: testBrokers(), clientId: 'metrics-test', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const dlqReader = kafka.consumer({ groupId: `metrics-dlq-${Date.now()}` });

  beforeAll(async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
  });

  afterAll(async () => {
    await Promise.allSettled([producer.disconnect(), dlqReader.disconnect()]);
    await system?.dispose();
  });

  it('is served without a token, in the text format, with security headers and the process metrics', async () => {
    const response = await fetch(system.metricsUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    const text = await response.text();
    expect(text).toContain('# TYPE notify_notifications_sent_total counter');
    expect(text).toContain('# TYPE notify_kafka_produce_duration_seconds histogram');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect((await fetch(system.metricsUrl, { method: 'POST', headers: { 'content-length': '0' } })).status).toBe(405);
  });

  it('moves every counter by exactly the traffic sent', async () => {
    const { topic } = system.handle;
    const url = system.metricsUrl;

    const ws = wsClient(system.wsUrl);
    const overWs = wsSubscribe<{ notificationAdded: { id: string } }>(ws, `subscription Live { notificationAdded(userId: "2") { id } }`);
    const overSse = await sseSubscribe<{ notificationAdded: { id: string } }>(system.url, `subscription LiveSse { notificationAdded(userId: "2") { id } }`);
    // Both subscribed to the feed (the gauge rises only once the live feed listens): every
    // notification from here on is a live push, none a replay.
    const before = await metricsUntil(url, (m) => sample(m, 'notify_subscriptions_active', { field: 'notificationAdded' }) === 2, 'two subscriptions');
    expect(sample(before, 'notify_websocket_connections')).toBe(1);
    expect(sample(before, 'notify_sse_connections')).toBe(1);
    expect(sample(before, 'notify_graphql_operations_total', { operation: 'Live', type: 'subscription' })).toBe(1);
    expect(sample(before, 'notify_graphql_operations_total', { operation: 'LiveSse', type: 'subscription' })).toBe(1);

    // The poison first, on the recipient's key: the sends below follow it on the same partition,
    // so their pushes arrive only after it was dead-lettered and counted.
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: '2', value: 'this is not json' }] });

    const ids: string[] = [];
    for (let i = 0; i < N; i += 1) {
      const { sendNotification } = await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND, follow(`follow ${i}`));
      ids.push(sendNotification.id);
    }
    const refused = await graphql(system.url, SEND, follow(''));
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const unparsable = await graphql(system.url, 'query Broken { notifications(');
    expect(unparsable.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');

    const pushedWs: string[] = [];
    const pushedSse: string[] = [];
    for (let i = 0; i < N; i += 1) {
      pushedWs.push((await overWs.next()).data!.notificationAdded.id);
      pushedSse.push((await overSse.next()).data!.notificationAdded.id);
    }
    expect(pushedWs).toEqual(ids);
    expect(pushedSse).toEqual(ids);

    await dlqReader.connect();
    await dlqReader.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const letter = await new Promise<string>((resolve) => {
      void dlqReader.run({ eachMessage: async ({ message }) => resolve(message.value?.toString() ?? '') });
    });
    expect(letter).toBe('this is not json');

    const after = await readMetrics(url);
    const moved = (name: string, labels: Record<string, string> = {}) => sample(after, name, labels) - sample(before, name, labels);

    expect(moved('notify_notifications_sent_total', { kind: 'follow', outcome: 'accepted' })).toBe(N);
    expect(moved('notify_notifications_sent_total', { kind: 'follow', outcome: 'BAD_USER_INPUT' })).toBe(1);
    expect(moved('notify_kafka_produce_duration_seconds_count', { outcome: 'ok' })).toBe(N);
    expect(moved('notify_kafka_produce_duration_seconds_count', { outcome: 'error' })).toBe(0);
    expect(moved('notify_notifications_consumed_total')).toBe(N + 1);
    expect(moved('notify_notifications_stored_total')).toBe(N);
    expect(moved('notify_notifications_dead_lettered_total', { reason: 'undecodable' })).toBe(1);
    for (const reason of ['invalid', 'wrong_key', 'store_refused', 'processing_failed']) {
      expect(moved('notify_notifications_dead_lettered_total', { reason })).toBe(0);
    }
    expect(moved('notify_notifications_pushed_total', { source: 'live' })).toBe(2 * N);
    expect(moved('notify_notifications_pushed_total', { source: 'replay' })).toBe(0);
    expect(moved('notify_end_to_end_latency_seconds_count')).toBe(2 * N);
    expect(moved('notify_graphql_operations_total', { operation: 'Send', type: 'mutation' })).toBe(N + 1);
    expect(moved('notify_graphql_errors_total', { operation: 'Send', code: 'BAD_USER_INPUT' })).toBe(1);
    expect(moved('notify_graphql_operations_total', { operation: 'invalid', type: 'unknown' })).toBe(1);
    expect(moved('notify_graphql_errors_total', { operation: 'invalid', code: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
    // The unparsable document's name never becomes a label.
    expect([...after.keys()].some((key) => key.includes('Broken'))).toBe(false);
    expect(sample(after, 'notify_kafka_consumer_restarts_total')).toBe(0);
    // Batching decides how many store transactions and commits there were; at least one each.
    expect(moved('notify_store_duration_seconds_count', { operation: 'insertNotifications', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(moved('notify_kafka_commit_duration_seconds_count')).toBeGreaterThanOrEqual(1);

    await overWs.close();
    await ws.dispose();
    await overSse.close();
    const closed = await metricsUntil(
      url,
      (m) => sample(m, 'notify_websocket_connections') === 0 && sample(m, 'notify_sse_connections') === 0,
      'the connections closed',
    );
    expect(sample(closed, 'notify_subscriptions_active', { field: 'notificationAdded' })).toBe(0);
  });

  it('reports the consumer lag of every partition, down to 0 once the group committed', async () => {
    const lagged = (m: Samples) => series(m, 'notify_kafka_consumer_lag');
    const settled = await metricsUntil(
      system.metricsUrl,
      (m) => lagged(m).length === 3 && lagged(m).every(([, lag]) => lag === 0),
      'three partitions with no lag',
    );
    expect(lagged(settled).map(([key]) => key)).toEqual(
      [0, 1, 2].map((partition) => `notify_kafka_consumer_lag{partition="${partition}",topic="${system.handle.topic}"}`),
    );
  });
});
