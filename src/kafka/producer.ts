/**
 * The notification producer. Sends that arrive in the same tick are merged into one produce
 * request (micro-batching): under load that is one round-trip for many mutations. Every send
 * waits for acks from all in-sync replicas, and is answered within `sendTimeoutMs` of reaching
 * the producer: acknowledged, or KAFKA_UNAVAILABLE saying whether it may have been written.
 *
 * A few produce requests are in flight at once, and one while Kafka is away; sends arriving
 * meanwhile wait to join the next request, or fail at their own deadline, never written. Each
 * kafkajs send that meets a dead broker reconnects on its own, and hundreds at once (one per
 * tick under load) stacked `connect` listeners on one socket still connecting (kafkajs's
 * Connection.disconnect calls unref() on it: a MaxListenersExceededWarning) and kept the loop
 * busy reconnecting (issue 15). The outage is logged once each way, not once per failed send.
 *
 * Each send is one PRODUCER span, a child of whatever was active when it was called (the
 * mutation's span), from reaching the producer to its answer; its messages carry that span's
 * context in their headers even when several sends share one produce request.
 */
import { context, isSpanContextValid, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import pTimeout from 'p-timeout';
import { encodeEvent } from '../notifications/event.js';
import { NotifyError } from '../notifications/errors.js';
import type { NewNotification } from '../notifications/notification.js';
import type { Logger } from '../logger.js';
import { createOutageLog } from '../outage-log.js';
import { NO_KAFKA_TELEMETRY, secondsSince, type KafkaTelemetry } from './telemetry.js';
import { messagingAttributes, traceHeaders, tracer } from './trace-context.js';

export interface ProducerOptions<T> {
  topic: string;
  /** Key and value of one item's message; notification events by default. */
  encode?: (item: T) => { key: string; value: string };
  /** What its outage lines name. */
  label?: string;
  sendTimeoutMs: number;
  /** Messages per produce request at most. */
  maxBatch?: number;
  /**
   * Bytes per produce request at most. The broker refuses a record batch over its
   * `message.max.bytes` (1 MiB by default) and kafkajs sends one batch per partition per request,
   * so a request under this bound always fits: any batch the API accepts can be written.
   */
  maxBatchBytes?: number;
  log: Logger;
  telemetry?: Pick<KafkaTelemetry, 'produced' | 'sendOverran'>;
}

interface Pending {
  messages: Message[];
  bytes: number;
  /** When it must be answered by, on `performance.now()`'s clock. */
  deadline: number;
  /** Handed to a produce request: from then on a failure may still have written it. */
  sent: boolean;
  settled: boolean;
  /** Its PRODUCER span: the time it waited for a request slot shows as the gap before its "produce request" event. */
  span: Span;
  resolve(): void;
  reject(error: unknown): void;
}

/** Record overhead beside key and value (offsets, lengths, timestamp), generously rounded up. */
const RECORD_OVERHEAD_BYTES = 64;
/** Produce requests in flight at once while Kafka answers; under load each carries many sends. */
const MAX_IN_FLIGHT = 4;
/**
 * How much later than `sendTimeoutMs` after reaching the producer a send may be answered: the
 * deadline's timer and the answer wait their turn on the event loop. More is an overrun, counted
 * (`notify_kafka_send_overruns_total`): the process was too busy.
 */
export const SEND_DEADLINE_TOLERANCE_MS = 250;

const notWritten = () =>
  new NotifyError('KAFKA_UNAVAILABLE', 'Kafka is unavailable and the notification was not written; retry it (with an idempotencyKey a retry is always safe)');
const maybeWritten = () =>
  new NotifyError('KAFKA_UNAVAILABLE', 'Kafka did not acknowledge the notification in time and it may have been written; retry with the same idempotencyKey, which never stores it twice');

export function createKafkaProducer<T = NewNotification>(
  kafka: Kafka,
  {
    topic,
    encode = encodeEvent as unknown as (item: T) => { key: string; value: string },
    label = 'Kafka producer',
    sendTimeoutMs,
    maxBatch = 5000,
    maxBatchBytes = 900_000,
    log,
    telemetry = NO_KAFKA_TELEMETRY,
  }: ProducerOptions<T>,
) {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    // Bounded: a request must answer KAFKA_UNAVAILABLE in time, not retry forever.
    retry: { retries: 4, initialRetryTime: 100, maxRetryTime: 1000 },
  });
  // Made once: without an SDK a send's span must cost next to nothing (see traceSend).
  const spanName = `send ${topic}`;
  const spanOptions = { kind: SpanKind.PRODUCER };
  /**
   * The send's span, and the headers that carry it. Without an SDK the span is the API's no-op with
   * no valid context: no attributes, no context and no headers are made for it (measured: those
   * allocations alone were a fifth of the producer's own CPU per send).
   */
  function traceSend(count: number): { span: Span; headers: Record<string, string> | undefined } {
    const span = tracer.startSpan(spanName, spanOptions);
    if (!isSpanContextValid(span.spanContext())) return { span, headers: undefined };
    if (span.isRecording()) span.setAttributes({ ...messagingAttributes(topic, 'send'), 'messaging.batch.message_count': count });
    // The send's own context: its messages keep it whatever request carries them.
    return { span, headers: traceHeaders(trace.setSpan(context.active(), span)) };
  }
  const sizeOf = (message: Message) =>
    RECORD_OVERHEAD_BYTES + Buffer.byteLength(String(message.key ?? '')) + Buffer.byteLength(String(message.value ?? ''));
  let connecting: Promise<void> | null = null;
  let connected = false;
  // Down from a failed send until a send made since succeeds: readiness says no meanwhile (the
  // consumer's heartbeats say it for the idle case), and one request at a time probes Kafka.
  const outage = createOutageLog(log, label);
  let queue: Pending[] = [];
  let scheduled = false;
  let inFlight = 0;
  // Every send not yet answered, in arrival order, which is deadline order: one timer serves all.
  let open: Pending[] = [];
  let head = 0;
  let deadlineTimer: NodeJS.Timeout | undefined;

  function settle(pending: Pending, failure?: { error: unknown }) {
    if (pending.settled) return;
    pending.settled = true;
    if (failure) pending.reject(failure.error);
    else pending.resolve();
    while (head < open.length && open[head]!.settled) head += 1;
    if (head === open.length) {
      open = [];
      head = 0;
    } else if (head > 1024 && head * 2 > open.length) {
      open = open.slice(head);
      head = 0;
    }
  }

  function armDeadline() {
    if (deadlineTimer !== undefined || head === open.length) return;
    deadlineTimer = setTimeout(expire, Math.max(0, open[head]!.deadline - performance.now()));
  }

  /** Answers every send past its deadline: those still queued were never written. */
  function expire() {
    deadlineTimer = undefined;
    const now = performance.now();
    while (head < open.length && open[head]!.deadline <= now) {
      const pending = open[head]!;
      settle(pending, { error: new Error(pending.sent ? `no acknowledgement within ${sendTimeoutMs} ms` : `not sent within ${sendTimeoutMs} ms: Kafka is away`) });
      // settle() moved past it, unless it was settled already.
      if (open[head] === pending) head += 1;
    }
    if (queue.length > 0 && queue[0]!.settled) queue = queue.filter((pending) => !pending.settled);
    armDeadline();
  }

  const maxInFlight = () => (outage.isDown ? 1 : MAX_IN_FLIGHT);

  function connect(): Promise<void> {
    connecting ??= producer.connect().then(
      () => {
        connected = true;
      },
      (error: unknown) => {
        connecting = null;
        throw error;
      },
    );
    return connecting;
  }
  // kafkajs drops the connection on some errors; connect again on the next send.
  producer.on(producer.events.DISCONNECT, () => {
    connecting = null;
    connected = false;
  });

  function schedule() {
    if (scheduled || queue.length === 0) return;
    scheduled = true;
    setImmediate(flush);
  }

  function flush() {
    scheduled = false;
    // Full: the request in flight schedules the next flush as it settles.
    if (inFlight >= maxInFlight()) return;
    const batch = queue.filter((pending) => !pending.settled);
    queue = [];
    if (batch.length === 0) return;
    inFlight += 1;
    // The request is given up (its slot freed) once the last send it carries is past its deadline.
    const giveUpAt = batch.at(-1)!.deadline;
    // Whole sends go together while they fit; a send too large for one request is split, and
    // answers once every part of it was acknowledged. The parts go one after another, so one
    // recipient's notifications keep their order on the partition.
    let previous: Promise<unknown> = Promise.resolve();
    let messages: Message[] = [];
    let bytes = 0;
    let carriers: Pending[] = [];
    let waiting: Promise<void>[][] = [];
    const partsOf = new Map<Pending, Promise<void>[]>();
    const requests: Promise<void>[] = [];
    const write = () => {
      if (messages.length === 0) return;
      const request = messages;
      const carried = carriers;
      let start = 0n;
      const acknowledged = previous.then(() => {
        // Every send it carries was answered already (past its deadline): nobody waits for it.
        if (carried.every((pending) => pending.settled)) throw new Error('abandoned: every send it carried was answered');
        start = process.hrtime.bigint();
        const event = { 'messaging.batch.message_count': request.length };
        for (const pending of carried) pending.span.addEvent('produce request', event);
        return connect().then(() => producer.send({ topic, acks: -1, timeout: sendTimeoutMs, messages: request }));
      });
      // One timer per produce request rather than per mutation: p-timeout makes its error (and
      // stack) up front, which the send path's profile showed per call.
      const written = pTimeout(acknowledged, { milliseconds: Math.max(1, giveUpAt - performance.now()), message: `no acknowledgement within ${sendTimeoutMs} ms` }).then(
        () => telemetry.produced(secondsSince(start), true),
        (error: unknown) => {
          if (start !== 0n) telemetry.produced(secondsSince(start), false);
          throw error;
        },
      );
      // The next part waits for this one to really settle, not its timer: parts keep their order.
      previous = acknowledged.catch(() => {});
      requests.push(written);
      for (const parts of waiting) parts.push(written);
      messages = [];
      bytes = 0;
      carriers = [];
      waiting = [];
    };
    for (const pending of batch) {
      pending.sent = true;
      const parts: Promise<void>[] = [];
      partsOf.set(pending, parts);
      if (messages.length > 0 && (messages.length + pending.messages.length > maxBatch || bytes + pending.bytes > maxBatchBytes)) write();
      waiting.push(parts);
      carriers.push(pending);
      for (const message of pending.messages) {
        const size = sizeOf(message);
        if (messages.length > 0 && (messages.length >= maxBatch || bytes + size > maxBatchBytes)) {
          write();
          waiting.push(parts);
          carriers.push(pending);
        }
        messages.push(message);
        bytes += size;
      }
    }
    write();
    for (const [pending, parts] of partsOf) {
      Promise.all(parts).then(
        () => settle(pending),
        (error: unknown) => settle(pending, { error }),
      );
    }
    void Promise.allSettled(requests).then(() => {
      inFlight -= 1;
      schedule();
    });
  }

  const send = (items: readonly T[]): Promise<void> => {
    const { span, headers } = traceSend(items.length);
    const messages: Message[] = headers ? items.map((item) => ({ ...encode(item), headers })) : items.map((item) => encode(item));
    const attempt = outage.attempt();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const written = new Promise<void>((resolveWritten, rejectWritten) => {
      resolve = resolveWritten;
      reject = rejectWritten;
    });
    const bytes = messages.reduce((total, message) => total + sizeOf(message), 0);
    const pending: Pending = { messages, bytes, deadline: performance.now() + sendTimeoutMs, sent: false, settled: false, span, resolve, reject };
    queue.push(pending);
    open.push(pending);
    armDeadline();
    schedule();
    const answered = () => {
      if (performance.now() > pending.deadline + SEND_DEADLINE_TOLERANCE_MS) telemetry.sendOverran();
    };
    return written.then(
      () => {
        answered();
        attempt.succeeded();
        span.end();
      },
      (error: unknown) => {
        answered();
        attempt.failed(error, items.length);
        const answer = pending.sent ? maybeWritten() : notWritten();
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR, message: answer.message });
        span.end();
        throw answer;
      },
    );
  };

  return {
    send,
    start: connect,
    readiness: () => connected && !outage.isDown,
    async stop() {
      clearTimeout(deadlineTimer);
      for (const pending of queue) settle(pending, { error: new Error('the producer stopped') });
      queue = [];
      await producer.disconnect();
    },
  };
}

export type KafkaProducer = ReturnType<typeof createKafkaProducer>;
