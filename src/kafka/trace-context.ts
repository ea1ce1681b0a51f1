/**
 * A send's trace continues through Kafka: the producer writes the W3C `traceparent`/`tracestate`
 * of its span into each message's headers, and the consumer reads them back, per message (one
 * batch holds many traces). Through the OpenTelemetry API's propagator only: with no SDK
 * registered it writes nothing, so untraced messages carry no headers at all.
 */
import { propagation, ROOT_CONTEXT, trace, type Attributes, type Context, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

export const tracer = trace.getTracer('kafka-notify/kafka');

/** The messaging semantic conventions' attributes every Kafka span of ours carries. */
export const messagingAttributes = (topic: string, operation: 'send' | 'process'): Attributes => ({
  'messaging.system': 'kafka',
  'messaging.destination.name': topic,
  'messaging.operation.type': operation,
  'messaging.operation.name': operation,
});

/** The headers that carry `ctx`, or undefined when the propagator wrote none (no SDK, no span). */
export function traceHeaders(ctx: Context): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  return headers.traceparent === undefined ? undefined : headers;
}

const headerGetter: TextMapGetter<IHeaders | undefined> = {
  get(headers, key) {
    const value = headers?.[key];
    // A header may repeat; W3C trace context has one of each, the first is it.
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
  keys: (headers) => (headers ? Object.keys(headers) : []),
};

/** The context a message was produced in: the producer's span as a remote parent, or the root. */
export const extractTraceContext = (headers: IHeaders | undefined): Context => propagation.extract(ROOT_CONTEXT, headers, headerGetter);
