/**
 * The domain's part of a notification's trace, through the neutral OpenTelemetry API only (no SDK,
 * no adapter): the consume step's context rides with the notification to the pub/sub as W3C
 * headers, so the push to each subscriber, maybe on another instance, continues the same trace.
 * With no SDK registered the propagator writes nothing and no push span is made.
 */
import { propagation, ROOT_CONTEXT, trace, type Context, type Span } from '@opentelemetry/api';
import type { Notification } from './notification.js';
import type { PushSource, TraceCarrier } from './ports.js';

export const tracer = trace.getTracer('kafka-notify/notifications');

/** `ctx` as W3C headers, or undefined when the propagator wrote none. */
export function carrierOf(ctx: Context): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent === undefined ? undefined : carrier;
}

/**
 * One notification handed to one subscriber: a child of the consume step that published it. It
 * ends when the subscriber asks for the next one, so it covers resolving the fields and writing
 * them to the socket.
 */
export function startPushSpan(carrier: TraceCarrier, notification: Notification, source: PushSource): Span {
  return tracer.startSpan(
    'push notificationAdded',
    { attributes: { 'kafka_notify.notification.id': notification.id, 'kafka_notify.notification.seq': notification.seq, 'kafka_notify.push.source': source } },
    propagation.extract(ROOT_CONTEXT, carrier),
  );
}
