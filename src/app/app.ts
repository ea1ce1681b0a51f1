/**
 * The HTTP + WebSocket server: Yoga serves GraphQL (with SSE subscriptions), GraphiQL when
 * enabled, /health, /ready and (unless it has a port of its own) /metrics; graphql-ws shares the
 * port and path. Every operation runs for a caller a verified token names, within the query
 * limits, with a logger that carries its request id.
 */
import DataLoader from 'dataloader';
import { createYoga, useReadinessCheck, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { isExpired, type Caller } from '../auth/caller.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import { NotifyError } from '../notifications/errors.js';
import type { User } from '../notifications/notification.js';
import type { Context, Services } from '../schema/context.js';
import { schema } from '../schema/index.js';
import { useDemoPage } from './demo-page.js';
import { createMaskError, createRequestErrorLogs, useClientErrors } from './errors.js';
import { graphiqlTabs, type GraphiQLTokens } from './graphiql.js';
import { corsOptions, useHttpPolicy } from './http-policy.js';
import { boundedParserCache } from './parse-cache.js';
import { createHttpServer } from './http-server.js';
import { listen } from './listen.js';
import { createStreamCounter, tokenExpired, useLiveStreamGuards } from './live-streams.js';
import { useMetricsRoute } from './metrics-route.js';
import { createOperationMetrics } from './operation-metrics.js';
import { useQueryLimits, type QueryLimits } from './query-limits.js';
import { createRequestIds } from './request-id.js';
import { attachWebSocket, type SocketOperation } from './websocket.js';

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

/** Ready; not ready (503); or ready without some of what it offers (live pushes wait for Redis, say). */
export type PartReadiness = boolean | 'degraded';

export interface AppOptions {
  services: Services;
  verifier: TokenVerifier;
  settings: AppSettings;
  limits: AppLimits;
  /** The demo users' tokens GraphiQL's tabs open with (development only). */
  graphiqlTokens?: GraphiQLTokens | null;
  /**
   * Each part's readiness; /ready answers 503 naming the parts that are not ready (false). A
   * `degraded` part still serves what does not need it: 200, naming it.
   */
  readiness: () => Promise<Record<string, PartReadiness>> | Record<string, PartReadiness>;
  log: Logger;
  metrics: Metrics;
  /** Whether this port answers /metrics (false when METRICS_PORT gives it a port of its own). */
  serveMetrics: boolean;
}

/**
 * Yoga logs every error it masked at error level, twice, including our coded client errors (a
 * missing token: two error lines per anonymous request, without its request id). The mask itself
 * logs the unexpected ones, with their cause and request id, so Yoga's copy of any error is
 * detail; and one of ours (a NotifyError Yoga saw unwrapped, such as a refused token) was
 * already logged where it was raised, if at all.
 */
function yogaLogger(log: Logger) {
  return {
    debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => {
      if (args[0] instanceof NotifyError) return;
      if (args[0] instanceof Error) log.debug({ err: args[0] }, 'masked error');
      else log.error({ args }, 'yoga');
    },
  };
}

type InitialContext = YogaInitialContext & Partial<SocketOperation>;

export function createApp({ services, verifier, settings, limits, graphiqlTokens = null, readiness, log, metrics, serveMetrics }: AppOptions) {
  const streams = createStreamCounter(limits.connectionsPerUser);
  const openStreams = new Set<AsyncGenerator<unknown>>();
  const requestIds = createRequestIds();
  const errorLogs = createRequestErrorLogs();
  const operationMetrics = createOperationMetrics(metrics);

  // HTTP and SSE: the token is checked before the document is even parsed, so a caller without
  // one costs no parsing, fills no cache and learns nothing of the schema.
  const httpCallers = new WeakMap<Request, Caller>();
  const useCaller: Plugin = {
    async onRequestParse({ request }) {
      try {
        httpCallers.set(request, await verifier.verifyAuthorization(request.headers.get('authorization')));
      } catch (error) {
        // A client's mistake, which anyone can repeat at will: counted, and a debug line at most.
        if (error instanceof NotifyError) {
          metrics.refused.inc({ transport: 'http', reason: error.code });
          log.debug({ requestId: requestIds.idOf(request), code: error.code, reason: error.message }, 'request refused at the token check');
        }
        throw error;
      }
    },
  };

  async function callerOf(initial: InitialContext): Promise<Caller> {
    // graphql-ws verified the token at connection_init.
    const fromSocket = initial.extra?.caller;
    if (fromSocket) {
      if (isExpired(fromSocket)) throw tokenExpired();
      return fromSocket;
    }
    return httpCallers.get(initial.request) ?? verifier.verifyAuthorization(initial.request.headers.get('authorization'));
  }

  function requestLogOf(initial: InitialContext): { requestId: string; log: Logger } {
    if (initial.extra) {
      const requestId = websocket.requestIdOf(initial.extra.request);
      return { requestId, log: log.child({ requestId, operationId: initial.operationId }) };
    }
    const requestId = requestIds.idOf(initial.request);
    return { requestId, log: log.child({ requestId }) };
  }

  const errorOptions = { suggestions: settings.fieldSuggestions };
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: async (initial): Promise<Context> => ({
      ...services,
      ...requestLogOf(initial as InitialContext),
      caller: await callerOf(initial as InitialContext),
      users: new DataLoader<string, User | null>(async (ids) => {
        const found = new Map((await services.directory.getUsers(ids)).map((user) => [user.id, user]));
        return ids.map((id) => found.get(id) ?? null);
      }),
    }),
    graphiql: settings.graphiql
      ? {
          title: 'kafka-notify',
          ...graphiqlTabs(graphiqlTokens),
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
      // The inbox demo at `/`, only where there are development tokens (never in production).
      ...(graphiqlTokens ? [useDemoPage({ tokens: graphiqlTokens, graphqlPath: '/graphql' })] : []),
      requestIds.plugin,
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
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          const parts = Object.entries(await readiness());
          const down = parts.filter(([, state]) => state === false).map(([name]) => name);
          const degraded = parts.filter(([, state]) => state === 'degraded').map(([name]) => name);
          if (down.length === 0 && degraded.length === 0) return true;
          const body = down.length === 0 ? { ready: true, degraded } : { ready: false, down, ...(degraded.length > 0 && { degraded }) };
          return new Response(JSON.stringify(body), { status: down.length === 0 ? 200 : 503, headers: { 'content-type': 'application/json' } });
        },
      }),
    ],
  });

  const server = createHttpServer(yoga, { ...settings, ...limits }, (code) => metrics.refused.inc({ transport: 'http', reason: code }));
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
