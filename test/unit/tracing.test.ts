// Trace contexts where many traces share one thing: sends from different traces merged into one
// produce request, and one consumed batch holding messages of different traces. Without an SDK
// nothing is added at all (no headers, no carriers); with one (spans to memory) each message
// keeps its own context, and the batch's store write links to every message's span.
import { context, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { Kafka, Message, ProducerRecord } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaProducer } from '../../src/kafka/producer.js';
import { encodeEvent } from '../../src/notifications/event.js';
import { ingestBatch, type ConsumedMessage, type IngestDeps } from '../../src/notifications/ingest.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import type { TraceCarrier } from '../../src/notifications/ports.js';
import { startTracing, type Tracing } from '../../src/tracing/setup.js';
import { newNotification } from './fixtures.js';

const log = pino({ level: 'silent' });

/** A producer over a fake kafkajs producer that acknowledges every request at once, and the requests it got. */
function producerWithRequests() {
  const requests: Message[][] = [];
  const fake = {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => () => {},
    connect: async () => {},
    disconnect: async () => {},
    send: async (record: ProducerRecord) => {
      requests.push(record.messages);
      return [];
    },
  };
  const producer = createKafkaProducer({ producer: () => fake } as unknown as Kafka, { topic: 'notifications', sendTimeoutMs: 5000, log });
  return { producer, requests };
}

let offset = 0;
const consumed = (notification: NewNotification, traceContext?: ReturnType<typeof context.active>): ConsumedMessage => {
  const { key, value } = encodeEvent(notification);
  offset += 1;
  return { partition: 0, offset: String(offset), key: Buffer.from(key), value: Buffer.from(value), ...(traceContext && { trace: traceContext }) };
};

/** A store that skips the ids it already holds, and a pub/sub that keeps what it was given. */
function ingestDeps(alreadyStored: readonly string[] = []) {
  const published: { id: string; trace: TraceCarrier | undefined }[] = [];
  let seq = 0;
  const deps: IngestDeps = {
    store: {
      // No one here chose a digest (digests have their own tests).
      digestRouting: async () => ({ deliveries: [], timeZones: [], digested: [] }),
      addDigestItems: async (items) => [...items],
      mutedPairs: async () => [],
      insertNotifications: async (items) =>
        items.filter((item) => !alreadyStored.includes(item.id)).map((item) => ({ ...item, seq: ++seq, readAt: null, archivedAt: null, seenAt: null, snoozedUntil: null, actions: [], pressedAction: null })),
    },
    pubsub: { publishAdded: (notification, carrier) => void published.push({ id: notification.id, trace: carrier }) },
  };
  return { deps, published };
}
const control = { retry: <T>(call: () => Promise<T>) => call() };

describe('without an SDK (tracing off)', () => {
  it('puts no headers on Kafka messages and no trace context on published notifications', async () => {
    const { producer, requests } = producerWithRequests();
    await producer.send([newNotification()]);
    expect(requests.flat().map((message) => message.headers)).toEqual([undefined]);

    const { deps, published } = ingestDeps();
    await ingestBatch([consumed(newNotification())], deps, control);
    expect(published.map((item) => item.trace)).toEqual([undefined]);
  });
});

describe('with an SDK', () => {
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  beforeAll(() => {
    tracing = startTracing({ enabled: false }, { log, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  });
  afterAll(() => tracing.stop());

  const tracer = trace.getTracer('test');
  /** Runs `fn` inside a fresh root span of its own trace, as a mutation from a caller of its own would. */
  const inOwnTrace = <T>(name: string, fn: (span: Span) => Promise<T>) =>
    tracer.startActiveSpan(name, { root: true }, async (span) => {
      try {
        return await fn(span);
      } finally {
        span.end();
      }
    });

  it('gives each message of a merged produce request the context of its own send', async () => {
    exporter.reset();
    const { producer, requests } = producerWithRequests();
    // Both sends reach the producer in the same tick: one flush, one produce request.
    const [a, b] = await Promise.all([
      inOwnTrace('caller A', async (span) => (await producer.send([newNotification()]), span.spanContext())),
      inOwnTrace('caller B', async (span) => (await producer.send([newNotification(), newNotification()]), span.spanContext())),
    ]);
    expect(requests).toHaveLength(1);
    const sends = exporter.getFinishedSpans().filter((span) => span.name === 'send notifications');
    const sendOf = (caller: typeof a) => sends.find((span) => span.parentSpanContext?.spanId === caller.spanId)!;
    expect(sendOf(a).spanContext().traceId).toBe(a.traceId);
    expect(sendOf(b).spanContext().traceId).toBe(b.traceId);
    expect(sendOf(b).attributes['messaging.batch.message_count']).toBe(2);
    const traceparentOf = (span: ReturnType<typeof sendOf>) => `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`;
    expect(requests[0]!.map((message) => message.headers?.traceparent)).toEqual([traceparentOf(sendOf(a)), traceparentOf(sendOf(b)), traceparentOf(sendOf(b))]);
  });

  it('links the batch store write to each message span, and publishes each notification with its own message trace', async () => {
    exporter.reset();
    // Three messages of two traces, as one fetch from a partition may hold; the third was stored before.
    const spans = ['message of trace A', 'message of trace B', 'message redelivered'].map((name) => tracer.startSpan(name, { root: true }));
    const notifications = [newNotification(), newNotification(), newNotification()];
    const { deps, published } = ingestDeps([notifications[2]!.id]);
    const messages = notifications.map((notification, index) => consumed(notification, trace.setSpan(ROOT_CONTEXT, spans[index]!)));
    const { inserted } = await ingestBatch(messages, deps, control);
    for (const span of spans) span.end();
    expect(inserted).toHaveLength(2);

    expect(published.map(({ id, trace: carrier }) => [id, carrier?.traceparent])).toEqual(
      [0, 1].map((index) => [notifications[index]!.id, `00-${spans[index]!.spanContext().traceId}-${spans[index]!.spanContext().spanId}-01`]),
    );
    const finished = exporter.getFinishedSpans();
    const store = finished.find((span) => span.name === 'store notifications')!;
    // Its own trace: it serves three.
    expect(spans.map((span) => span.spanContext().traceId)).not.toContain(store.spanContext().traceId);
    expect(store.links.map((link) => link.context.spanId)).toEqual(spans.map((span) => span.spanContext().spanId));
    expect(store.attributes).toMatchObject({ 'kafka_notify.batch.notifications': 3, 'kafka_notify.batch.inserted': 2 });
    const eventsOf = (name: string) => finished.find((span) => span.name === name)!.events.map((event) => event.name);
    expect(eventsOf('message of trace A')).toEqual(['stored']);
    expect(eventsOf('message of trace B')).toEqual(['stored']);
    expect(eventsOf('message redelivered')).toEqual(['already stored: nothing to push']);
  });
});
