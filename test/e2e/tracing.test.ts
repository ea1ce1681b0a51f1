/**
 * A send's trace across the real parts: a caller's `traceparent` on the mutation, the real broker
 * carrying the context in the message headers, the consumer group storing it, and the push to a
 * live subscriber, through the in-process pub/sub and through Redis; the spans go to memory
 * instead of OTLP. What an operator would see as one trace is checked span by span: who is whose
 * parent, and what links the batch's store write to it.
 */
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { startTracing, type Tracing } from '../../src/tracing/setup.js';
import { adminToken } from '../support/auth.js';
import { sseSubscribe, type GraphQLResponse } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const SEND = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) {
    sendNotification(input: $input) { id }
  }
`;
const ADDED = /* GraphQL */ `
  subscription Added($userId: ID!) {
    notificationAdded(userId: $userId) { id message }
  }
`;

/** The caller's own span, as a back end calling the API would send it (W3C trace context). */
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  // As main.ts starts it, but exporting to memory: each span is there once it has ended.
  tracing = startTracing({ enabled: true }, { log: createLogger({ level: 'silent', format: 'json' }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
});
afterAll(() => tracing?.stop());

describe.each([
  { pubsub: 'the in-process pub/sub', env: {} },
  // With Redis every push crosses it, even on the instance that published: the context rides the wire.
  { pubsub: 'Redis', env: { REDIS_URL } },
])('tracing across Kafka and $pubsub', ({ env }) => {
  let system: TestSystem;
  beforeAll(async () => {
    exporter.reset();
    system = await startTestSystem({ env });
    await waitUntilReady(system);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('shows mutation → produce → consume → push as one trace, and the batch store write linked to it', async () => {
    // Over SSE the stream answers once the subscription listens, so the push is a live one.
    const subscription = await sseSubscribe<{ notificationAdded: { id: string } }>(system.url, ADDED, { userId: '2' });
    const response = await fetch(system.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await adminToken}`,
        traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
      },
      body: JSON.stringify({ query: SEND, variables: { input: { senderId: '1', recipientId: '2', kind: 'follow', message: 'Emma started following you.' } } }),
    });
    const sent = (await response.json()) as GraphQLResponse<{ sendNotification: { id: string } }>;
    expect(sent.errors).toBeUndefined();
    const id = sent.data!.sendNotification.id;
    const pushed = await subscription.next();
    expect(pushed.data?.notificationAdded.id).toBe(id);

    // The consume span ends once the offsets are committed and the push span once the subscriber
    // asks for the next event: both may end just after the push arrived here.
    const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
    const topic = system.handle.topic;
    await vi.waitFor(() => {
      for (const name of ['mutation Send', `send ${topic}`, `process ${topic}`, 'store notifications', 'push notificationAdded']) {
        expect(named(name), name).toHaveLength(1);
      }
    });
    await subscription.close();
    const [mutation, produce, consume, store, push] = ['mutation Send', `send ${topic}`, `process ${topic}`, 'store notifications', 'push notificationAdded'].map(
      (name) => named(name)[0]!,
    );
    const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

    // One trace, the caller's, from the mutation to the push.
    for (const span of [mutation, produce, consume, push]) expect(span!.spanContext().traceId).toBe(CALLER_TRACE_ID);
    expect(parentOf(mutation!)).toBe(CALLER_SPAN_ID);
    expect(mutation!.kind).toBe(SpanKind.SERVER);
    expect(parentOf(produce!)).toBe(mutation!.spanContext().spanId);
    expect(produce!.kind).toBe(SpanKind.PRODUCER);
    expect(produce!.events.map((event) => event.name)).toContain('produce request');
    // Through Kafka: the consume span's parent is the produce span, read from the message headers.
    expect(parentOf(consume!)).toBe(produce!.spanContext().spanId);
    expect(consume!.parentSpanContext?.isRemote).toBe(true);
    expect(consume!.kind).toBe(SpanKind.CONSUMER);
    expect(consume!.attributes).toMatchObject({ 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.consumer.group.name': system.handle.groupId });
    expect(consume!.events.find((event) => event.name === 'stored')?.attributes).toHaveProperty('kafka_notify.notification.seq');
    // Through the pub/sub: the push continues the consume span.
    expect(parentOf(push!)).toBe(consume!.spanContext().spanId);
    expect(push!.attributes).toMatchObject({ 'kafka_notify.notification.id': id, 'kafka_notify.push.source': 'live' });

    // The store write serves the whole batch, so it is no one trace's child: it links to the
    // message's consume span, and the consume span links back to it.
    expect(store!.links.map((link) => link.context.spanId)).toContain(consume!.spanContext().spanId);
    expect(consume!.links.map((link) => link.context.spanId)).toContain(store!.spanContext().spanId);
    expect(store!.attributes).toMatchObject({ 'kafka_notify.batch.notifications': 1, 'kafka_notify.batch.inserted': 1 });
  });
});

describe('tracing a send over the HTTP API', () => {
  let system: TestSystem;
  beforeAll(async () => {
    exporter.reset();
    system = await startTestSystem();
    await waitUntilReady(system);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it("continues the caller's traceparent: POST /v1/notifications → produce → consume in one trace", async () => {
    const response = await fetch(new URL('/v1/notifications', system.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken}`, traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` },
      body: JSON.stringify({ senderId: '1', recipientId: '2', kind: 'like', message: 'Emma liked your post.' }),
    });
    expect(response.status).toBe(201);
    const topic = system.handle.topic;
    const named = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((span) => span.name === name);
    await vi.waitFor(() => {
      for (const name of ['POST /v1/notifications', `send ${topic}`, `process ${topic}`]) expect(named(name), name).toHaveLength(1);
    });
    const [route, produce, consume] = ['POST /v1/notifications', `send ${topic}`, `process ${topic}`].map((name) => named(name)[0]!);
    for (const span of [route, produce, consume]) expect(span!.spanContext().traceId).toBe(CALLER_TRACE_ID);
    expect(route!.kind).toBe(SpanKind.SERVER);
    expect(route!.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
    expect(route!.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.response.status_code': 201 });
    expect(produce!.parentSpanContext?.spanId).toBe(route!.spanContext().spanId);
    expect(consume!.parentSpanContext?.spanId).toBe(produce!.spanContext().spanId);
  });
});
