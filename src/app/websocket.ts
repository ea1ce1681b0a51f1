/**
 * graphql-ws on the HTTP server's port and path: the origin checked at the upgrade, malformed
 * frames and messages closed before graphql-ws sees them, each operation parsed and validated
 * through Yoga's envelope (so it meets the same plugins as over HTTP), a bounded number of
 * operations per socket. Who the socket acts for, and until when, is its session's
 * (socket-session.ts).
 */
import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { TokenVerifier } from '../auth/verify-token.js';
import type { Logger } from '../logger.js';
import type { Context } from '../schema/context.js';
import { withCode, withoutHttp } from './errors.js';
import { websocketOriginAllowed } from './http-policy.js';
import { tokenExpired, type StreamCounter } from './live-streams.js';
import type { OperationMetrics } from './operation-metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';
import { CLOSE_BAD_REQUEST, socketSessions, type SocketSession } from './socket-session.js';

/** What graphql-ws keeps per socket: its session, and the operations that started, by graphql-ws id (an error after the start belongs to one). */
export type SocketExtra = SocketSession & { started?: Map<string, ExecutionArgs> };

/** What graphql-ws passes on to Yoga's context factory for each operation of a socket. */
export type SocketOperation = { extra: SocketExtra; operationId: string; socketRequestId: string };

type Yoga = YogaServerInstance<Record<string, unknown>, Context>;

export interface WebSocketOptions {
  server: Server;
  yoga: Yoga;
  verifier: TokenVerifier;
  streams: StreamCounter;
  corsOrigins: readonly string[];
  maxPayloadBytes: number;
  subscriptionsPerConnection: number;
  connectionsPerCaller: number;
  operationMetrics?: Pick<OperationMetrics, 'started' | 'result' | 'refused'>;
  /** Open sockets, for metrics. */
  connections?: { inc(): void; dec(): void };
  /** Sockets refused or closed for the client's mistake, for metrics. */
  refused?: { inc(labels: { transport: 'websocket'; reason: string }): void };
  /** Where those go, at debug: anyone can repeat a mistake at will. */
  log?: Logger;
}

type EnvelopedExecution = ExecutionArgs & { rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown } };

const CLIENT_MESSAGE_TYPES = new Set(['connection_init', 'ping', 'pong', 'subscribe', 'complete']);

/** The `type` of a graphql-ws message; anything unreadable counts as no type. */
function messageType(data: RawData): string | undefined {
  try {
    const message: unknown = JSON.parse(data.toString());
    return typeof message === 'object' && message !== null && 'type' in message && typeof message.type === 'string' ? message.type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The operation through Yoga's envelope, so it meets the same plugins, parser cache and context as
 * over HTTP (graphql-yoga's own graphql-ws example); or the errors that refuse it.
 */
async function enveloped(yoga: Yoga, initial: Record<string, unknown> & SocketOperation, params: SubscribePayload): Promise<EnvelopedExecution | GraphQLError[]> {
  const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ ...initial, req: initial.extra.request, socket: initial.extra.socket, params });
  let document;
  try {
    document = parse(params.query);
  } catch (error) {
    return [withCode(error instanceof GraphQLError ? error : new GraphQLError('the operation could not be parsed'), 'GRAPHQL_PARSE_FAILED')];
  }
  const args: EnvelopedExecution = {
    schema,
    operationName: params.operationName ?? null,
    document,
    variableValues: params.variables ?? null,
    contextValue: await contextFactory(),
    rootValue: { execute, subscribe },
  };
  const errors = validate(args.schema, args.document);
  if (errors.length > 0) return errors.map((error: GraphQLError) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
  if (!getOperationAST(document, args.operationName)) {
    return [new GraphQLError('pick one operation of the document with operationName', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
  }
  return args;
}

function withoutHttpExtensions(result: ExecutionResult): ExecutionResult | void {
  if (!result.errors?.some((error) => 'http' in error.extensions)) return;
  return { ...result, errors: result.errors.map(withoutHttp) };
}

export function attachWebSocket(options: WebSocketOptions) {
  const { yoga } = options;
  const wsServer = new WebSocketServer({
    server: options.server,
    path: yoga.graphqlEndpoint,
    maxPayload: options.maxPayloadBytes,
    // The callback form, so a hostile origin hears 403 (the boolean form answers 401).
    verifyClient: ({ req }: { req: IncomingMessage }, done: (allowed: boolean, code?: number, message?: string) => void) =>
      websocketOriginAllowed(options.corsOrigins, req) ? done(true) : done(false, 403, 'Forbidden'),
  });
  // One id per socket, from the upgrade request's x-request-id or fresh, echoed in the 101
  // answer; each operation on the socket logs it beside its own graphql-ws id.
  const requestIds = new WeakMap<IncomingMessage, string>();
  wsServer.on('headers', (headers, request) => {
    const id = requestIdFrom(request.headers[REQUEST_ID_HEADER]?.toString());
    requestIds.set(request, id);
    headers.push(`${REQUEST_ID_HEADER}: ${id}`);
  });
  const requestIdOf = (request: IncomingMessage): string => requestIds.get(request) ?? requestIdFrom(undefined);
  const refuse = (request: IncomingMessage, reason: string, detail: string) => {
    options.refused?.inc({ transport: 'websocket', reason });
    options.log?.debug({ requestId: requestIds.get(request), code: reason, reason: detail }, 'WebSocket refused');
  };
  const sessions = socketSessions({ verifier: options.verifier, streams: options.streams, connectionsPerCaller: options.connectionsPerCaller, refuse });
  // Before graphql-ws sees a message: one a client may not send (graphql-ws would close with
  // 4500, an internal error) closes the socket with 4400, as any malformed message does.
  wsServer.on('connection', (socket, request) => {
    options.connections?.inc();
    socket.once('close', () => options.connections?.dec());
    socket.prependListener('message', (data) => {
      if (CLIENT_MESSAGE_TYPES.has(messageType(data) ?? '')) return;
      // Counted once: frames already on their way after the close are not new mistakes.
      if (socket.readyState === WebSocket.OPEN) refuse(request, 'BAD_REQUEST', 'a message that is not a graphql-ws client message');
      socket.close(CLOSE_BAD_REQUEST, 'Invalid message received');
    });
  });

  const disposable = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      onConnect: (ctx) => sessions.onConnect(ctx),
      onComplete: (ctx, id) => {
        ctx.extra.started?.delete(id);
        sessions.onComplete(ctx);
      },
      onClose: (ctx) => sessions.onClose(ctx),
      onOperation: (ctx, id, _payload, args) => {
        (ctx.extra.started ??= new Map()).set(id, args);
        options.operationMetrics?.started(args);
      },
      // extensions.http tells Yoga what HTTP status to answer; a socket has no use for it.
      onNext: (_ctx, _id, _payload, args, result) => {
        options.operationMetrics?.result(args, result);
        return withoutHttpExtensions(result);
      },
      onError: (ctx, id, _payload, errors) => {
        const started = ctx.extra.started?.get(id);
        if (started) options.operationMetrics?.result(started, { errors });
        else options.operationMetrics?.refused(errors);
        return errors.map((error) => withoutHttp(error).toJSON());
      },
      execute: (args) => (args as EnvelopedExecution).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedExecution).rootValue.subscribe(args) as never,
      onSubscribe: (ctx, id, params) => {
        // graphql-ws has already registered this one.
        if (Object.keys(ctx.subscriptions).length > options.subscriptionsPerConnection) {
          return [
            new GraphQLError(`at most ${options.subscriptionsPerConnection} operations at once on one connection`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        if (!sessions.callerOf(ctx.extra)) return [tokenExpired()];
        return enveloped(yoga, { ...ctx, operationId: id, socketRequestId: requestIdOf(ctx.extra.request) }, params);
      },
    },
    wsServer,
  );
  // A socket's 'error' is always a frame the client should not have sent (over maxPayload, bad
  // UTF-8, a bad opcode), and ws has already closed the socket with the matching code (1009,
  // 1007, 1002). graphql-ws's own listener printed the error with its stack to stderr, outside
  // the JSON log, and tried a 4500 as if the server had failed: ours replaces it. Registered after
  // useServer's, so that one is there to remove; an 'error' with no listener would throw.
  wsServer.on('connection', (socket, request) => {
    socket.removeAllListeners('error');
    socket.on('error', (error: Error & { code?: string }) =>
      refuse(request, error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ? 'MESSAGE_TOO_LARGE' : 'BAD_FRAME', error.message),
    );
  });

  return {
    /** Clients get close code 1001 (going away) and reconnect elsewhere. */
    dispose: () => disposable.dispose(),
  };
}
