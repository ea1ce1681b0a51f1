/**
 * One span per GraphQL query or mutation: where a send's trace begins (or continues the caller's,
 * from the request's `traceparent`), so the Kafka produce span below it has a parent an operator
 * recognises. Hand-made rather than @envelop/opentelemetry: that plugin brings a second, 1.x SDK,
 * registers a console exporter when given no provider, prints every document into an attribute,
 * and keeps a span open for each subscription's whole life. Subscriptions get no span here; each
 * push is traced as part of the notification's own trace (notifications/live.ts).
 *
 * Always installed: without an SDK the extract and the span are the API's no-ops, and nothing else runs.
 */
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

const tracer = trace.getTracer('kafka-notify/graphql');
const OPERATION_SPAN = { kind: SpanKind.SERVER };

/** Fetch headers of an HTTP request; a graphql-ws operation has none of its own (the upgrade's belong to the socket). */
interface WithHeaders {
  headers: { get(name: string): string | null; keys(): IterableIterator<string> };
}

const headerGetter: TextMapGetter<WithHeaders> = {
  get: (carrier, key) => carrier.headers.get(key) ?? undefined,
  keys: (carrier) => [...carrier.headers.keys()],
};

function httpRequestOf(contextValue: unknown): WithHeaders | undefined {
  if (typeof contextValue !== 'object' || contextValue === null || !('request' in contextValue)) return undefined;
  const { request } = contextValue;
  if (typeof request !== 'object' || request === null || !('headers' in request)) return undefined;
  const { headers } = request;
  return typeof headers === 'object' && headers !== null && 'get' in headers && typeof headers.get === 'function' ? (request as WithHeaders) : undefined;
}

export function useOperationSpans(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      const type = operation.operation;
      const name = operation.name?.value;
      const request = httpRequestOf(args.contextValue);
      const parent = request ? propagation.extract(ROOT_CONTEXT, request, headerGetter) : ROOT_CONTEXT;
      // Named as the semantic conventions for GraphQL say: the type, then the operation's name.
      const span = tracer.startSpan(name ? `${type} ${name}` : type, OPERATION_SPAN, parent);
      // Without an SDK: the API's no-op, with no context to carry, so execution is left as it is.
      if (!isSpanContextValid(span.spanContext())) return;
      if (span.isRecording()) span.setAttributes({ 'graphql.operation.type': type, ...(name && { 'graphql.operation.name': name }) });
      const active = trace.setSpan(parent, span);
      // The resolvers run inside it, so what they start (the Kafka send) becomes its child.
      setExecuteFn((executeArgs) => context.with(active, () => executeFn(executeArgs)));
      return {
        onExecuteDone({ result }) {
          if (!isAsyncIterable(result) && result.errors?.length) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.errors[0]!.message });
          }
          span.end();
        },
      };
    },
  };
}
