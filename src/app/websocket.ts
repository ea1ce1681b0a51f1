/**
 * graphql-ws on the HTTP server's port and path. The token comes in `connection_init`
 * (`connectionParams.authorization`); without a valid one the socket closes with 4403. A socket
 * counts as one of its caller's live connections, holds a bounded number of subscriptions, and
 * closes with 4403 when its token expires, after each subscription said so and completed.
 */
import type { IncomingMessage, Server } from 'node:http';
import { getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { callerKey, isExpired, type Caller } from '../auth/caller.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import type { Logger } from '../logger.js';
import { NotifyError } from '../notifications/errors.js';
import type { Context } from '../schema/context.js';
import { withCode } from './errors.js';
import { websocketOriginAllowed } from './http-policy.js';
import { atTime, tokenExpired, type StreamCounter } from './live-streams.js';
import type { OperationMetrics } from './operation-metrics.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './request-id.js';

/** What graphql-ws keeps per socket; the context factory reads the caller from here. */
export type SocketExtra = {
  request: IncomingMessage;
  socket: WebSocket;
  caller?: Caller;
  expired?: boolean;
  release?: (() => void) | undefined;
  cancelExpiry?: () => void;
  /** Operations that started, by graphql-ws id: an error after the start belongs to one. */
  started?: Map<string, ExecutionArgs>;
};

/** What graphql-ws passes on to Yoga's context factory for each operation of a socket. */
export type SocketOperation = { extra: SocketExtra; operationId: string };

export interface WebSocketOptions {
  server: Server;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
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

export const CLOSE_BAD_REQUEST = 4400;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

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

/** `Bearer <token>` or the bare token, under `authorization` or `Authorization`. */
function tokenOf(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return null;
  return value.replace(/^Bearer\s+/i, '').trim();
}

function withoutHttp(error: GraphQLError): GraphQLError {
  if (!('http' in error.extensions)) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, extensions });
}

function withoutHttpExtensions(result: ExecutionResult): ExecutionResult | void {
  if (!result.errors?.some((error) => 'http' in error.extensions)) return;
  return { ...result, errors: result.errors.map(withoutHttp) };
}

export function attachWebSocket(options: WebSocketOptions) {
  const { yoga, verifier, streams } = options;
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
  const refuse = (request: IncomingMessage, reason: string, detail: string) => {
    options.refused?.inc({ transport: 'websocket', reason });
    options.log?.debug({ requestId: requestIds.get(request), code: reason, reason: detail }, 'WebSocket refused');
  };
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
      onConnect: async (ctx) => {
        const { extra } = ctx;
        const token = tokenOf(ctx.connectionParams);
        let caller: Caller;
        try {
          if (!token) throw new NotifyError('UNAUTHENTICATED', 'missing token: send connectionParams.authorization');
          caller = await verifier.verify(token);
        } catch (error) {
          const reason = error instanceof NotifyError ? error.message : 'invalid token';
          refuse(extra.request, 'UNAUTHENTICATED', reason);
          extra.socket.close(CLOSE_FORBIDDEN, reason.slice(0, 120));
          return false;
        }
        // The client may have gone while the token was checked: onClose has run, and a slot
        // taken now would never be given back.
        if (extra.socket.readyState !== WebSocket.OPEN) return false;
        const key = callerKey(caller);
        if (!streams.acquire(key)) {
          refuse(extra.request, 'TOO_MANY_CONNECTIONS', 'too many live connections for one token');
          extra.socket.close(CLOSE_TOO_MANY_CONNECTIONS, `at most ${options.connectionsPerCaller} live connections per token`);
          return false;
        }
        extra.caller = caller;
        extra.release = () => streams.release(key);
        if (caller.expiresAt) {
          extra.cancelExpiry = atTime(caller.expiresAt, () => {
            extra.expired = true;
            // Each subscription ends itself with an UNAUTHENTICATED error (live-streams.ts); a
            // socket with none left, or none at all, closes now.
            if (Object.keys(ctx.subscriptions).length === 0) extra.socket.close(CLOSE_FORBIDDEN, 'token expired');
          });
        }
        return true;
      },
      onComplete: (ctx, id) => {
        ctx.extra.started?.delete(id);
        if (!ctx.extra.expired) return;
        // After graphql-ws has sent the "complete" and forgotten the subscription.
        setImmediate(() => {
          if (Object.keys(ctx.subscriptions).length === 0) ctx.extra.socket.close(CLOSE_FORBIDDEN, 'token expired');
        });
      },
      onClose: ({ extra }) => {
        extra.cancelExpiry?.();
        extra.release?.();
        extra.release = undefined;
      },
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
      onSubscribe: async (ctx, id, params) => {
        // graphql-ws has already registered this one.
        if (Object.keys(ctx.subscriptions).length > options.subscriptionsPerConnection) {
          return [
            new GraphQLError(`at most ${options.subscriptionsPerConnection} operations at once on one connection`, {
              extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
            }),
          ];
        }
        const caller = ctx.extra.caller;
        if (!caller || ctx.extra.expired || isExpired(caller)) {
          return [tokenExpired()];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
          operationId: id,
        });
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
    /** The socket's request id, given by its upgrade request or made when it was accepted. */
    requestIdOf: (request: IncomingMessage): string => requestIds.get(request) ?? requestIdFrom(undefined),
    /** Clients get close code 1001 (going away) and reconnect elsewhere. */
    dispose: () => disposable.dispose(),
  };
}
