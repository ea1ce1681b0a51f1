/**
 * The HTTP + WebSocket server, put together: Yoga serves GraphQL (with SSE subscriptions),
 * GraphiQL when enabled, /health, /ready, the HTTP API (/v1/notifications, /send, rest/) and
 * (unless it has a port of its own) /metrics;
 * graphql-ws shares the port and path. Every operation runs for a caller a verified token names
 * (context.ts), within the query limits, with a logger that carries its request id. Each concern
 * is a file of its own; this one orders the plugins and owns the start and the drain.
 */
import { createYoga, type GraphiQLOptions, type Plugin } from 'graphql-yoga';
import type { TokenVerifier } from '../auth/verify-token.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { httpApiRefusal, useHttpApi } from '../rest/http-api.js';
import type { Context, Services } from '../schema/context.js';
import { schema } from '../schema/index.js';
import { createContext } from './context.js';
import { createMaskError, createRequestErrorLogs, useClientErrors, yogaLogger } from './errors.js';
import { corsOptions, useHttpPolicy } from './http-policy.js';
import { boundedParserCache } from './parse-cache.js';
import { createHttpServer } from './http-server.js';
import { listen } from './listen.js';
import { createStreamCounter, useLiveStreamGuards } from './live-streams.js';
import { useMetricsRoute } from './metrics-route.js';
import { createOperationMetrics } from './operation-metrics.js';
import { useQueryLimits, type QueryLimits } from './query-limits.js';
import { useReadiness, type Readiness } from './readiness.js';
import { createRequestIds } from './request-id.js';
import { attachWebSocket } from './websocket.js';

export interface AppSettings {
  graphiql: boolean;
  introspection: boolean;
  fieldSuggestions: boolean;
  corsOrigins: readonly string[];
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface AppLimits extends QueryLimits {
  bodyBytes: number;
  wsPayloadBytes: number;
  subscriptionsPerConnection: number;
  connectionsPerUser: number;
  connections: number;
}

/** What a start may add to the app without the app knowing what it is (development's aids, say). */
export interface AppExtensions {
  /** Yoga plugins that answer before the API's own (the token check, CSRF): pages, say. */
  plugins?: Plugin[];
  /** GraphiQL's opening state (tabs, headers), when `settings.graphiql` turns it on. */
  graphiql?: GraphiQLOptions;
}

export interface AppOptions extends AppExtensions {
  services: Services;
  verifier: TokenVerifier;
  settings: AppSettings;
  limits: AppLimits;
  /** Each part's readiness, for /ready. */
  readiness: Readiness;
  log: Logger;
  metrics: Metrics;
  /** Whether this port answers /metrics (false when METRICS_PORT gives it a port of its own). */
  serveMetrics: boolean;
  /** The topics' AsyncAPI document (JSON text), served at /v1/asyncapi.json. */
  asyncApiJson: string;
}

export function createApp({ services, verifier, settings, limits, plugins = [], graphiql = {}, readiness, log, metrics, serveMetrics, asyncApiJson }: AppOptions) {
  const streams = createStreamCounter(limits.connectionsPerUser);
  const openStreams = new Set<AsyncGenerator<unknown>>();
  const requestIds = createRequestIds();
  const errorLogs = createRequestErrorLogs();
  const operationMetrics = createOperationMetrics(metrics);
  const { useCaller, context } = createContext({ services, verifier, requestIds, log, refused: metrics.refused });

  const errorOptions = { suggestions: settings.fieldSuggestions };
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context,
    graphiql: settings.graphiql
      ? {
          title: 'kafka-notify',
          ...graphiql,
          // SSE carries each tab's Authorization header; graphql-ws would need it in connectionParams.
          subscriptionsProtocol: 'SSE',
        }
      : false,
    // Loaded on first use: the GraphiQL bundle is ~37 MB of RSS that production, where GraphiQL is off, never needs.
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    landingPage: false,
    // The HTTP server refuses a body over the limit, or without a Content-Length, before Yoga runs,
    // and Node's parser never reads past Content-Length; Yoga's own limit would pipe every body
    // through a TransformStream, which cost 3-4 % of the send path's CPU profile for nothing.
    maxRequestBodySize: false,
    cors: corsOptions(settings.corsOrigins),
    maskedErrors: { maskError: createMaskError(log, errorOptions, errorLogs.loggerOf), isDev: false },
    parserAndValidationCache: boundedParserCache(),
    logging: yogaLogger(log.child({ component: 'yoga' })),
    plugins: [
      // Scrapers carry no token and no CSRF header: answered before either is asked for.
      ...(serveMetrics ? [useMetricsRoute(metrics.registry)] : []),
      ...plugins,
      requestIds.plugin,
      // Before the CSRF check: the HTTP API answers its own refusals as problem details (rest/http-api.ts).
      useHttpApi({ services, verifier, refused: metrics.refused, requests: metrics.httpApiRequests, requestIdOf: requestIds.idOf, log, asyncApiJson }),
      ...useHttpPolicy(),
      useCaller,
      useQueryLimits(limits, { fieldSuggestions: settings.fieldSuggestions, introspection: settings.introspection }),
      useClientErrors(errorOptions),
      errorLogs.plugin,
      operationMetrics.plugin,
      useLiveStreamGuards({
        streams,
        perCaller: limits.connectionsPerUser,
        open: openStreams,
        gauges: { sse: metrics.sseConnections, subscriptions: metrics.subscriptions },
      }),
      useReadiness(readiness),
    ],
  });

  const server = createHttpServer(yoga, { ...settings, ...limits }, (code) => metrics.refused.inc({ transport: 'http', reason: code }), httpApiRefusal);
  const websocket = attachWebSocket({
    server,
    yoga,
    verifier,
    streams,
    corsOrigins: settings.corsOrigins,
    maxPayloadBytes: limits.wsPayloadBytes,
    subscriptionsPerConnection: limits.subscriptionsPerConnection,
    connectionsPerCaller: limits.connectionsPerUser,
    operationMetrics,
    connections: metrics.websocketConnections,
    refused: metrics.refused,
    log: log.child({ component: 'websocket' }),
  });

  return {
    yoga,
    server,
    start: (port: number, host?: string): Promise<string> => listen(server, port, host, yoga.graphqlEndpoint),
    /**
     * Stops taking connections; WebSocket clients get 1001 (going away) and reconnect elsewhere
     * with their cursor; SSE streams complete; requests in flight finish, for `drainMs` at most.
     */
    async stop({ drainMs = 10_000 } = {}) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await websocket.dispose();
      await Promise.all([...openStreams].map((stream) => stream.return(undefined)));
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearTimeout(force);
    },
  };
}

export type App = ReturnType<typeof createApp>;
