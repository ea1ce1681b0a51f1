/**
 * The HTTP + WebSocket server: Yoga serves GraphQL (with SSE subscriptions), GraphiQL, /health
 * and /ready; graphql-ws shares the port and path for WebSocket subscriptions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import DataLoader from 'dataloader';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { createYoga, useReadinessCheck } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';
import type { User } from '../notifications/notification.js';
import type { Context, Services } from '../schema/context.js';
import { schema } from '../schema/index.js';
import { createMaskError } from './errors.js';
import { graphiqlDefaultQuery } from './graphiql.js';

export interface AppOptions {
  services: Services;
  /** Each part's readiness; /ready answers 503 naming the parts that are not ready. */
  readiness: () => Promise<Record<string, boolean>> | Record<string, boolean>;
  log: Logger;
}

type EnvelopedExecution = ExecutionArgs & { rootValue: { execute: (args: ExecutionArgs) => unknown; subscribe: (args: ExecutionArgs) => unknown } };

/**
 * Yoga logs every error it masked at error level, including our coded client errors; the mask
 * itself already logs the unexpected ones, with their cause, so Yoga's copy is detail.
 */
function yogaLogger(log: Logger) {
  return {
    debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
    error: (...args: unknown[]) =>
      args[0] instanceof GraphQLError ? log.debug({ err: args[0] }, 'masked error') : log.error({ args }, 'yoga'),
  };
}

export function createApp({ services, readiness, log }: AppOptions) {
  const yoga = createYoga<Record<string, unknown>, Context>({
    schema,
    context: (): Context => ({
      ...services,
      users: new DataLoader<string, User | null>(async (ids) => {
        const found = new Map((await services.inbox.getUsers(ids)).map((user) => [user.id, user]));
        return ids.map((id) => found.get(id) ?? null);
      }),
    }),
    graphiql: { title: 'kafka-notify', defaultQuery: graphiqlDefaultQuery, subscriptionsProtocol: 'WS' },
    renderGraphiQL,
    maskedErrors: { maskError: createMaskError(log) },
    logging: yogaLogger(log.child({ component: 'yoga' })),
    plugins: [
      useReadinessCheck({
        endpoint: '/ready',
        check: async () => {
          const parts = await readiness();
          const down = Object.entries(parts).filter(([, ok]) => !ok).map(([name]) => name);
          return down.length === 0 ? true : new Response(JSON.stringify({ ready: false, down }), { status: 503, headers: { 'content-type': 'application/json' } });
        },
      }),
    ],
  });

  const server: Server = createServer(yoga);
  const wsServer = new WebSocketServer({ server, path: yoga.graphqlEndpoint });
  const wsDisposable = useServer(
    {
      execute: (args) => (args as EnvelopedExecution).rootValue.execute(args) as never,
      subscribe: (args) => (args as EnvelopedExecution).rootValue.subscribe(args) as never,
      onSubscribe: async (ctx, _id, params) => {
        const { schema: enveloped, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        let document;
        try {
          document = parse(params.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const args: EnvelopedExecution = {
          schema: enveloped,
          operationName: params.operationName ?? null,
          document,
          variableValues: params.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length > 0 ? [...errors] : args;
      },
    },
    wsServer,
  );

  return {
    yoga,
    server,
    async start(port: number, host?: string): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const shownHost = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      return `http://${shownHost}:${address.port}${yoga.graphqlEndpoint}`;
    },
    async stop() {
      // Clients get close code 1001 (going away) and reconnect elsewhere; then HTTP closes.
      await wsDisposable.dispose();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

export type App = ReturnType<typeof createApp>;
