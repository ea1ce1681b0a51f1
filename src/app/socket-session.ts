/**
 * A graphql-ws socket's session, from connection_init to close: the caller its token names
 * (`connectionParams.authorization`; without a valid one the socket closes with 4403), one of
 * that caller's live-connection slots (none left: 4429), given back when the socket closes, and
 * the token's expiry, after which each subscription says so and completes and the socket closes
 * with 4403.
 */
import type { IncomingMessage } from 'node:http';
import type { Context as SocketContext } from 'graphql-ws';
import { WebSocket } from 'ws';
import { callerKey, isExpired, type Caller } from '../auth/caller.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import { NotifyError } from '../notifications/errors.js';
import { atTime, type StreamCounter } from './live-streams.js';

export const CLOSE_BAD_REQUEST = 4400;
export const CLOSE_FORBIDDEN = 4403;
export const CLOSE_TOO_MANY_CONNECTIONS = 4429;

/**
 * What a socket's session keeps on graphql-ws's `extra`; the context factory reads the caller from
 * here. A type, not an interface: graphql-ws wants its `extra` to be a record.
 */
export type SocketSession = {
  request: IncomingMessage;
  socket: WebSocket;
  caller?: Caller;
  expired?: boolean;
  release?: (() => void) | undefined;
  cancelExpiry?: () => void;
};

export interface SocketSessionOptions {
  verifier: TokenVerifier;
  streams: StreamCounter;
  connectionsPerCaller: number;
  /** Told of a socket refused for the client's mistake: `reason` is its code. */
  refuse(request: IncomingMessage, reason: string, detail: string): void;
}

type SessionContext = SocketContext<Record<string, unknown> | undefined, SocketSession>;

/** `Bearer <token>` or the bare token, under `authorization` or `Authorization`. */
function tokenOf(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const value = params?.authorization ?? params?.Authorization;
  if (typeof value !== 'string') return null;
  return value.replace(/^Bearer\s+/i, '').trim();
}

const noneLeft = (ctx: SessionContext) => Object.keys(ctx.subscriptions).length === 0;

/** graphql-ws's onConnect, onComplete and onClose for these sessions, and who may still subscribe. */
export function socketSessions({ verifier, streams, connectionsPerCaller, refuse }: SocketSessionOptions) {
  return {
    async onConnect(ctx: SessionContext): Promise<boolean> {
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
        extra.socket.close(CLOSE_TOO_MANY_CONNECTIONS, `at most ${connectionsPerCaller} live connections per token`);
        return false;
      }
      extra.caller = caller;
      extra.release = () => streams.release(key);
      if (caller.expiresAt) {
        extra.cancelExpiry = atTime(caller.expiresAt, () => {
          extra.expired = true;
          // Each subscription ends itself with an UNAUTHENTICATED error (live-streams.ts); a
          // socket with none left, or none at all, closes now.
          if (noneLeft(ctx)) extra.socket.close(CLOSE_FORBIDDEN, 'token expired');
        });
      }
      return true;
    },

    onComplete(ctx: SessionContext): void {
      if (!ctx.extra.expired) return;
      // After graphql-ws has sent the "complete" and forgotten the subscription.
      setImmediate(() => {
        if (noneLeft(ctx)) ctx.extra.socket.close(CLOSE_FORBIDDEN, 'token expired');
      });
    },

    onClose({ extra }: SessionContext): void {
      extra.cancelExpiry?.();
      extra.release?.();
      extra.release = undefined;
    },

    /** The socket's caller while its token holds; null once it has expired (or before connection_init). */
    callerOf(extra: SocketSession): Caller | null {
      const { caller } = extra;
      return !caller || extra.expired || isExpired(caller) ? null : caller;
    },
  };
}
