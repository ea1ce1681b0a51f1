/** Real clients for the tests: GraphQL over HTTP (fetch), over WebSocket (graphql-ws + ws) and over SSE. */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { adminToken } from './auth.js';

/** Who a test request acts as: a token (default: an admin service), or none at all. */
export interface AsOptions {
  token?: string | Promise<string> | null;
}

async function authorization({ token = adminToken }: AsOptions): Promise<Record<string, string>> {
  const value = await token;
  return value === null ? {} : { authorization: `Bearer ${value}` };
}

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown>; path?: (string | number)[] }[];
}

export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: AsOptions = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(await authorization(as)) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** Fails the test with the errors when there are any. */
export async function graphqlData<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  as: AsOptions = {},
): Promise<T> {
  const result = await graphql<T>(url, query, variables, as);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export function wsClient(url: string, as: AsOptions = {}): Client {
  return createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    connectionParams: async () => {
      const { authorization: value } = await authorization(as);
      return value === undefined ? {} : { authorization: value };
    },
  });
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
export async function sseSubscribe<T>(url: string, query: string, variables: Record<string, unknown> = {}, as: AsOptions = {}) {
  const abort = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(await authorization(as)) },
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
