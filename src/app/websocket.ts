/**
 * graphql-ws on the HTTP server's port and path. The token comes in `connection_init`
 * (`connectionParams.authorization`); without a valid one the socket closes with 4403. A socket
 * counts as one of its caller's live connections, holds a bounded number of subscriptions, and
 * closes with 4403 when its token expires, after each subscription said so and completed.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { callerKey, isExpired, type Caller } from '../auth/caller.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import { NotifyError } from '../notifications/errors.js';
import type { Context } from '../schema/context.js';
import { withCode } from './errors.js';
import { websocketOriginAllowed } from './http-policy.js';
import { atTime, type StreamCounter } from './live-streams.js';

/** What graphql-ws keeps per socket; the context factory reads the caller from here. */
export type SocketExtra = {
  request: IncomingMessage;
  socket: WebSocket;
  caller?: Caller;
  expired?: boolean;
  release?: (() => void) | undefined;
  cancelExpiry?: () => void;
};

export interface WebSocketOptions {
  server: Server;
  yoga: YogaServerInstance<Record<string, unknown>, Context>;
  verifier: TokenVerifier;
  streams: StreamCounter;
  corsOrigins: readonly string[];
  maxPayloadBytes: number;
  subscriptionsPerConnection: number;
  connectionsPerCaller: number;
}

type EnvelopedExecution = ExecutionArgs & { rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown } };

export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

/** `Bearer <token>` or the bare token, under `authorization` or `Authorization`. */
function tokenOf(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return null;
  return value.replace(/^Bearer\s+/i, '').trim();
}

export function attachWebSocket(options: WebSocketOptions) {
  const { yoga, verifier, streams } = options;
  const wsServer = new WebSocketServer({
    server: options.server,
    path: yoga.graphqlEndpoint,
    maxPayload: options.maxPayloadBytes,
    verifyClient: ({ req }: { req: IncomingMessage }) => websocketOriginAllowed(options.corsOrigins, req),
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
          extra.socket.close(CLOSE_FORBIDDEN, reason.slice(0, 120));
          return false;
        }
        const key = callerKey(caller);
        if (!streams.acquire(key)) {
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
      onComplete: (ctx) => {
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
      execute: (args) => (args as EnvelopedExecution).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedExecution).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
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
          return [new GraphQLError('the token has expired: reconnect with a fresh one', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
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
        return errors.length > 0 ? errors.map((error: GraphQLError) => withCode(error, 'GRAPHQL_VALIDATION_FAILED')) : args;
      },
    },
    wsServer,
  );

  return {
    /** Clients get close code 1001 (going away) and reconnect elsewhere. */
    dispose: () => disposable.dispose(),
  };
}
