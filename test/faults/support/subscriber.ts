/**
 * One live subscriber per recipient, as a careful app runs it: graphql-ws `notificationAdded`
 * with `after: <last cursor>`, and whenever the socket drops or the stream ends, a new socket
 * that resumes from the last cursor it received. It records every push.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { encodeCursor } from '../../../src/notifications/cursor.js';

const ADDED = /* GraphQL */ `
  subscription FaultAdded($userId: ID!, $after: String) {
    notificationAdded(userId: $userId, after: $after) { id seq cursor recipientId }
  }
`;

interface Added {
  notificationAdded: { id: string; seq: number; cursor: string; recipientId: string };
}

export interface Push {
  id: string;
  seq: number;
  recipientId: string;
  at: number;
}

export interface Subscriber {
  readonly userId: string;
  readonly pushes: Push[];
  /** Push count per id. */
  readonly counts: Map<string, number>;
  /** Sockets opened (1 + reconnects). */
  connections(): number;
  /** Errors the subscription or socket reported, by kind. */
  readonly errors: Map<string, number>;
  /** Pushes whose seq was not greater than the one before. */
  outOfOrder(): number;
  /** Resolves true once every id in `ids` has been pushed, false at the deadline. */
  waitForAll(ids: Iterable<string>, timeoutMs: number): Promise<boolean>;
  /** Resolves with the first push (already received or to come) that satisfies `match`. */
  firstPush(match: (push: Push) => boolean, timeoutMs: number): Promise<Push | undefined>;
  stop(): Promise<void>;
}

/**
 * `wsUrl` may be a function, asked again for every socket: a client behind a load balancer that
 * lands on another instance when its own is gone (the failover test).
 */
export function startSubscriber({ wsUrl, token, userId }: { wsUrl: string | (() => string); token: string; userId: string }): Subscriber {
  const pushes: Push[] = [];
  const counts = new Map<string, number>();
  const errors = new Map<string, number>();
  const listeners = new Set<() => void>();
  let cursor = encodeCursor(0);
  let lastSeq = 0;
  let disordered = 0;
  let connections = 0;
  let stopped = false;
  let client: Client | undefined;
  let wake: (() => void) | undefined;
  const countError = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);

  async function run() {
    let backoff = 250;
    while (!stopped) {
      connections += 1;
      const current = createClient({
        url: typeof wsUrl === 'string' ? wsUrl : wsUrl(),
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: true,
        // A ping every 5 s; the socket is closed when no pong comes back, so a dead peer is noticed.
        keepAlive: 5_000,
        connectionParams: { authorization: `Bearer ${token}` },
      });
      client = current;
      let receivedHere = false;
      await new Promise<void>((resolve) => {
        wake = resolve;
        current.subscribe<Added>(
          { query: ADDED, variables: { userId, after: cursor } },
          {
            next(result) {
              if (result.errors?.length) {
                countError(`graphql:${String(result.errors[0]?.extensions?.code ?? result.errors[0]?.message)}`);
                return;
              }
              const added = result.data?.notificationAdded;
              if (!added) return;
              receivedHere = true;
              if (added.seq <= lastSeq) disordered += 1;
              lastSeq = Math.max(lastSeq, added.seq);
              cursor = added.cursor;
              const push: Push = { id: added.id, seq: added.seq, recipientId: added.recipientId, at: Date.now() };
              pushes.push(push);
              counts.set(added.id, (counts.get(added.id) ?? 0) + 1);
              for (const listener of listeners) listener();
            },
            error(error) {
              const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : error instanceof Error ? error.message : 'error';
              countError(`socket:${code}`);
              resolve();
            },
            complete() {
              countError('complete');
              resolve();
            },
          },
        );
      });
      await current.dispose();
      if (stopped) return;
      if (receivedHere) backoff = 250;
      // A client's reconnect backoff, not a wait for anything in particular.
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(2000, backoff * 2);
    }
  }
  const running = run();

  return {
    userId,
    pushes,
    counts,
    errors,
    connections: () => connections,
    outOfOrder: () => disordered,
    waitForAll(ids, timeoutMs) {
      const wanted = new Set(ids);
      for (const id of counts.keys()) wanted.delete(id);
      if (wanted.size === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const listener = () => {
          const latest = pushes.at(-1);
          if (latest) wanted.delete(latest.id);
          if (wanted.size === 0) finish(true);
        };
        const finish = (value: boolean) => {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(value);
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        listeners.add(listener);
      });
    },
    firstPush(match, timeoutMs) {
      const seen = pushes.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const listener = () => {
          const latest = pushes.at(-1);
          if (latest && match(latest)) finish(latest);
        };
        const finish = (value: Push | undefined) => {
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(value);
        };
        const timer = setTimeout(() => finish(undefined), timeoutMs);
        listeners.add(listener);
      });
    },
    async stop() {
      stopped = true;
      wake?.();
      await client?.dispose();
      await running;
    },
  };
}
