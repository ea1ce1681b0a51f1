/**
 * What every operation runs with (schema/context.ts): the domain's services, its caller, its
 * request id and logger, and a DataLoader for the users it names. Over HTTP and SSE the caller
 * comes from a token checked before the document is even parsed, so a caller without one costs
 * no parsing, fills no cache and learns nothing of the schema; over graphql-ws it was checked at
 * connection_init (socket-session.ts).
 */
import DataLoader from 'dataloader';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';
import { isExpired, type Caller } from '../auth/caller.js';
import { callerOfRequest, type CallerCheck } from '../auth/request-caller.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import type { Logger } from '../logger.js';
import { NotifyError } from '../notifications/errors.js';
import type { User } from '../notifications/notification.js';
import type { Context, Services } from '../schema/context.js';
import { tokenExpired } from './live-streams.js';
import type { createRequestIds } from './request-id.js';
import type { SocketOperation } from './websocket.js';

export interface ContextOptions {
  services: Services;
  verifier: TokenVerifier;
  requestIds: ReturnType<typeof createRequestIds>;
  log: Logger;
  refused: CallerCheck['refused'];
}

type InitialContext = YogaInitialContext & Partial<SocketOperation>;

export function createContext({ services, verifier, requestIds, log, refused }: ContextOptions) {
  const httpCallers = new WeakMap<Request, Caller>();
  const useCaller: Plugin = {
    async onRequestParse({ request }) {
      const caller = await callerOfRequest(request, { verifier, refused }, log.child({ requestId: requestIds.idOf(request) }));
      if (caller instanceof NotifyError) throw caller;
      httpCallers.set(request, caller);
    },
  };

  async function callerOf(initial: InitialContext): Promise<Caller> {
    const fromSocket = initial.extra?.caller;
    if (fromSocket) {
      if (isExpired(fromSocket)) throw tokenExpired();
      return fromSocket;
    }
    return httpCallers.get(initial.request) ?? verifier.verifyAuthorization(initial.request.headers.get('authorization'));
  }

  // A socket's operations carry the socket's request id (websocket.ts), each logged beside its own graphql-ws id.
  function requestLogOf(initial: InitialContext): { requestId: string; log: Logger } {
    if (initial.socketRequestId !== undefined) {
      const requestId = initial.socketRequestId;
      return { requestId, log: log.child({ requestId, operationId: initial.operationId }) };
    }
    const requestId = requestIds.idOf(initial.request);
    return { requestId, log: log.child({ requestId }) };
  }

  const context = async (yogaInitial: YogaInitialContext): Promise<Context> => {
    const initial = yogaInitial as InitialContext;
    return {
      ...services,
      ...requestLogOf(initial),
      caller: await callerOf(initial),
      users: new DataLoader<string, User | null>(async (ids) => {
        const found = new Map((await services.directory.getUsers(ids)).map((user) => [user.id, user]));
        return ids.map((id) => found.get(id) ?? null);
      }),
    };
  };

  return { useCaller, context };
}
