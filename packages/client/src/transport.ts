/**
 * The GraphQL client an inbox runs on: urql over HTTP for queries and mutations, and live
 * subscriptions over graphql-ws (or SSE where a WebSocket cannot be used). It reconnects by
 * itself for as long as the page lives, sends a fresh token each time, and tells listeners when
 * a connection came back so they can refresh what a push may have missed meanwhile.
 */
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
// The client entry alone: the package root also holds the server, which imports graphql.
import { createClient as createWsClient } from 'graphql-ws/client';
import { resumable } from './resume.js';

export type TokenGetter = () => string | null | Promise<string | null>;
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

export interface TransportOptions {
  /** The GraphQL endpoint, e.g. `https://notify.example.com/graphql` or `/graphql`. */
  url: string;
  getToken: TokenGetter;
  /** `websocket` (default, falls back to `sse` where there is no WebSocket) or `sse`. */
  transport?: 'websocket' | 'sse';
  /** For environments without a global WebSocket (Node 20, tests): e.g. the `ws` package. */
  webSocketImpl?: unknown;
  fetch?: typeof fetch;
}

export interface Transport {
  client: Client;
  status(): ConnectionStatus;
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
  /** Called each time a dropped live connection is back. */
  onReconnect(listener: () => void): () => void;
  dispose(): void;
}

/** 0.5 s, 1 s, 2 s, then every 4 s at most, with jitter so tabs do not reconnect in step. */
export const retryDelayMs = (retries: number) => Math.min(500 * 2 ** retries, 4000) * (0.75 + Math.random() * 0.5);
const wait = (retries: number) => new Promise<void>((resolve) => setTimeout(resolve, retryDelayMs(retries)));

function absoluteUrl(url: string): URL {
  return new URL(url, typeof location === 'undefined' ? undefined : location.href);
}

export function createTransport(options: TransportOptions): Transport {
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const authorization = async (): Promise<Record<string, string>> => {
    const token = await options.getToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  };
  const url = absoluteUrl(options.url);

  let status: ConnectionStatus = 'connecting';
  const statusListeners = new Set<(status: ConnectionStatus) => void>();
  const reconnectListeners = new Set<() => void>();
  const setStatus = (next: ConnectionStatus) => {
    if (next === status) return;
    status = next;
    for (const listener of statusListeners) listener(next);
  };
  const connected = (again: boolean) => {
    setStatus('live');
    if (again) for (const listener of reconnectListeners) listener();
  };

  const useSse = options.transport === 'sse' || (options.webSocketImpl === undefined && typeof WebSocket === 'undefined');
  let forward: (request: Parameters<typeof resumable>[0], sink: Parameters<typeof resumable>[1]) => () => void;
  let disposeLive: () => void;
  if (useSse) {
    const sse = createSseClient({
      url: url.href,
      headers: authorization,
      fetchFn: fetchImpl,
      retryAttempts: Number.POSITIVE_INFINITY,
      retry: wait,
      on: { connecting: (again) => again && setStatus('reconnecting'), connected },
    });
    forward = (request, sink) => {
      const resumed = resumable(request, sink);
      return sse.subscribe(resumed.payload, resumed.sink);
    };
    disposeLive = () => sse.dispose();
  } else {
    const ws = createWsClient({
      url: url.href.replace(/^http/, 'ws'),
      ...(options.webSocketImpl !== undefined && { webSocketImpl: options.webSocketImpl }),
      // A function, so every reconnect (after a drop, or 4403 when the token expired) sends a fresh token.
      connectionParams: authorization,
      retryAttempts: Number.POSITIVE_INFINITY,
      // Any drop is worth retrying, including 4403 (a fresh token may be accepted) and 1006.
      shouldRetry: () => true,
      retryWait: wait,
      // Pings find a dead network the browser has not noticed yet.
      keepAlive: 15_000,
      on: {
        connecting: (again) => again && setStatus('reconnecting'),
        connected: (_socket, _payload, again) => connected(again),
        closed: () => status === 'live' && setStatus('reconnecting'),
      },
    });
    forward = (request, sink) => {
      const resumed = resumable(request, sink);
      return ws.subscribe(resumed.payload, resumed.sink);
    };
    disposeLive = () => void ws.dispose();
  }

  const client = new Client({
    url: url.href,
    // POST with a JSON body: what the server's CSRF and body limits expect of every client.
    preferGetMethod: false,
    fetch: async (input, init) => fetchImpl(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...(await authorization()) } }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({ subscribe: (sink) => ({ unsubscribe: forward(request, sink) }) }),
      }),
    ],
  });

  return {
    client,
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    onReconnect(listener) {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    dispose() {
      statusListeners.clear();
      reconnectListeners.clear();
      disposeLive();
    },
  };
}
