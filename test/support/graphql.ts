/** Real clients for the tests: GraphQL over HTTP (fetch), over WebSocket (graphql-ws + ws) and over SSE. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Fails the test with the errors when there are any. */
export async function graphqlData<T = Record<string, unknown>>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await graphql<T>(url, query, variables);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export function wsClient(url: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/** Subscribes over graphql-ws; `next()` waits for the next event (the test's timeout bounds it). */
export function wsSubscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const iterator = client.iterate<T>({ query, variables })[Symbol.asyncIterator]();
  return {
    async next(): Promise<GraphQLResponse<T>> {
      const result = await iterator.next();
      if (result.done) throw new Error('subscription ended');
      return result.value as GraphQLResponse<T>;
    },
    async close() {
      await iterator.return?.();
    },
  };
}

/**
 * Subscribes over Server-Sent Events (Yoga's "distinct connections" mode). Resolves once the
 * server answered with the stream's headers, which it does after the subscription is set up.
 */
export async function sseSubscribe<T>(url: string, query: string, variables: Record<string, unknown> = {}) {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE subscribe failed: ${response.status}`);
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
    throw new Error(`not an event stream: ${response.headers.get('content-type')}: ${await response.text()}`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<GraphQLResponse<T>> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const lines = block.split('\n');
          const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
          if (event === 'complete') throw new Error('subscription completed');
          if (data) return JSON.parse(data) as GraphQLResponse<T>;
          continue; // keep-alive comment
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error('event stream ended');
        buffer += chunk.value;
      }
    },
    async close() {
      abort.abort();
      await reader.cancel().catch(() => {});
    },
  };
}
