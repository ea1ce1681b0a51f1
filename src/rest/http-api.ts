/**
 * The HTTP API beside GraphQL, on the same port: `POST /v1/notifications`, `POST /v1/broadcasts`, the tutorial's
 * `POST /send`, `GET /v1/openapi.json` and the topics' contract, `GET /v1/asyncapi.json`. A Yoga plugin that answers these paths before the
 * GraphQL handling (and before its CSRF check, which would answer in GraphQL's shape: these
 * routes take only JSON or, for /send, a service token, which no cross-site form can send). The
 * server's other plugins still see each response (request id, security headers, CORS).
 */
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter } from '@opentelemetry/api';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from '../logger.js';
import { createBroadcastRoute, type BroadcastRouteDeps } from './broadcast-route.js';
import { ASYNCAPI_PATH, BROADCAST_PATH, OPENAPI_PATH, openApiJson, SEND_PATH, TUTORIAL_SEND_PATH } from './openapi.js';
import { problem, problemBody, problemHeaders, type HttpErrorCode } from './problem.js';
import { answerWith, respond } from './response.js';
import type { Reply } from './json-request.js';
import { createSendRoute, type SendRouteDeps } from './send-route.js';
import { createTutorialRoute, tutorialAnswer } from './tutorial-route.js';

export interface HttpApiOptions extends Omit<SendRouteDeps, 'services'> {
  services: SendRouteDeps['services'] & BroadcastRouteDeps['services'];
  /** The request's id (the one in x-request-id), for its log lines. */
  requestIdOf: (request: Request) => string;
  log: Logger;
  /** Requests to the send routes, by route and outcome (OK, or the error code answered). */
  requests: { inc(labels: { route: string; code: string }): void };
  /** The AsyncAPI document of this deployment's topics, as JSON text (the Kafka adapter writes it; this API only serves it). */
  asyncApiJson: string;
}

type Route = (request: Request, log: Logger) => Promise<Reply>;

const tracer = trace.getTracer('kafka-notify/http-api');
const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * The route under a SERVER span that continues the caller's `traceparent`, as a GraphQL
 * operation's does (tracing/operation-spans.ts): what it starts (the Kafka send) is its child.
 * Without an SDK both are the API's no-ops.
 */
async function traced(name: string, request: Request, run: () => Promise<Reply>): Promise<Reply> {
  const parent = propagation.extract(ROOT_CONTEXT, request.headers, headerGetter);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method } }, parent);
  try {
    const reply = await context.with(trace.setSpan(parent, span), run);
    span.setAttribute('http.response.status_code', reply.response.status);
    if (reply.response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: reply.code });
    return reply;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

export function useHttpApi({ requestIdOf, log, requests, asyncApiJson, ...deps }: HttpApiOptions): Plugin {
  const documents = new Map<string, () => string>([
    [OPENAPI_PATH, openApiJson],
    [ASYNCAPI_PATH, () => asyncApiJson],
  ]);
  const routes = new Map<string, { name: string; route: Route; failed: () => Response }>([
    [SEND_PATH, { name: `POST ${SEND_PATH}`, route: createSendRoute(deps), failed: () => problem('INTERNAL_SERVER_ERROR', 'Unexpected error.') }],
    [BROADCAST_PATH, { name: `POST ${BROADCAST_PATH}`, route: createBroadcastRoute(deps), failed: () => problem('INTERNAL_SERVER_ERROR', 'Unexpected error.') }],
    [TUTORIAL_SEND_PATH, { name: `POST ${TUTORIAL_SEND_PATH}`, route: createTutorialRoute(deps), failed: () => tutorialAnswer(500, 'Unexpected error.') }],
  ]);
  return {
    onYogaInit({ yoga }) {
      answerWith(yoga.fetchAPI.Response);
    },
    async onRequest({ request, url, endResponse }) {
      const document = documents.get(url.pathname);
      if (document) {
        const allowed = request.method === 'GET' || request.method === 'HEAD';
        endResponse(
          allowed
            ? respond(request.method === 'HEAD' ? null : document(), { headers: { 'content-type': 'application/json; charset=utf-8' } })
            : problem('METHOD_NOT_ALLOWED', 'read it with GET', { allow: 'GET, HEAD' }),
        );
        return;
      }
      const found = routes.get(url.pathname);
      if (!found) return;
      const requestLog = log.child({ requestId: requestIdOf(request), route: found.name });
      let reply: Reply;
      try {
        reply = await traced(found.name, request, () => found.route(request, requestLog));
      } catch (error) {
        requestLog.error({ err: error }, 'unexpected error in an HTTP API route');
        reply = { response: found.failed(), code: 'INTERNAL_SERVER_ERROR' };
      }
      requests.inc({ route: found.name, code: reply.code });
      endResponse(reply.response);
    },
  };
}

/**
 * How the HTTP server's own refusals (no Content-Length, a body over the limit), made before
 * Yoga runs, read on these paths: as problem details, or as the tutorial's answer on /send.
 */
export function httpApiRefusal(path: string, code: HttpErrorCode, message: string): { headers: Record<string, string>; body: string } | undefined {
  if (path === TUTORIAL_SEND_PATH) return { headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ message }) };
  if (path !== SEND_PATH && path !== BROADCAST_PATH && path !== OPENAPI_PATH && path !== ASYNCAPI_PATH) return undefined;
  const body = problemBody(code, message);
  return { headers: problemHeaders(body), body: JSON.stringify(body) };
}
