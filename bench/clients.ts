/**
 * The bench's clients: GraphQL and plain JSON over HTTP on plain `node:http` with keep-alive
 * (cheaper per request than fetch, so the load generator takes less of the two cores from the
 * server), and graphql-ws subscriptions with callbacks that stamp each event's arrival.
 */
import http from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SCOPES } from '../src/auth/caller.js';
import { signToken } from '../src/dev/dev-tokens.js';
import { wallClockMs } from './stats.js';

/** The secret the bench starts every system with, and the back end's token it calls with. */
export const BENCH_JWT_SECRET = 'bench-secret-that-is-at-least-32-characters';
const benchToken = signToken(BENCH_JWT_SECRET, { sub: 'bench', scope: `${SCOPES.send} ${SCOPES.admin}`, expiresIn: '1d' });

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export interface HttpGraphQLClient {
  /** Resolves with `data`; fails on a transport error, a non-JSON answer or any GraphQL error. */
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export function httpGraphQLClient(url: string, maxSockets: number): HttpGraphQLClient {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const body = JSON.stringify({ query, variables });
      const authorization = `Bearer ${await benchToken}`;
      const text = await new Promise<string>((resolve, reject) => {
        const request = http.request(
          {
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              accept: 'application/graphql-response+json, application/json',
              'content-length': Buffer.byteLength(body),
              authorization,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      let result: GraphQLResponse<T>;
      try {
        result = JSON.parse(text) as GraphQLResponse<T>;
      } catch {
        throw new Error(`not a GraphQL answer: ${text.slice(0, 200)}`);
      }
      if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
      return result.data;
    },
    close: () => agent.destroy(),
  };
}

export interface HttpJsonClient {
  /**
   * POSTs `body` (JSON text) to `path` on the client's server with the bench's token; resolves
   * with the answer's text. Fails on a transport error or on a status other than `expect`.
   */
  post(path: string, body: string, expect: number): Promise<string>;
  close(): void;
}

/**
 * Plain JSON over the same keep-alive `node:http` as the GraphQL client: the HTTP trigger API and
 * its bare baseline get the very same client, so the difference between them is the server's.
 */
export function httpJsonClient(url: string, maxSockets: number): HttpJsonClient {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    async post(path: string, body: string, expect: number): Promise<string> {
      const authorization = `Bearer ${await benchToken}`;
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const request = http.request(
          {
            host: target.hostname,
            port: target.port,
            path,
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body), authorization },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end(body);
      });
      if (status !== expect) throw new Error(`POST ${path}: expected ${expect}, got ${status}: ${text.slice(0, 300)}`);
      return text;
    },
    close: () => agent.destroy(),
  };
}

/** GET `path` on the server of `url`; resolves with the status code. */
export function httpStatus(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL(path, url), (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
  });
}

/** A graphql-ws connection, opened now; resolves once the server acknowledged it. */
export async function wsConnection(url: string): Promise<Client> {
  const wsUrl = url.replace(/^http/, 'ws');
  let onConnected: () => void = () => {};
  let onError: (error: unknown) => void = () => {};
  const connected = new Promise<void>((resolve, reject) => {
    onConnected = resolve;
    onError = reject;
  });
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: async () => ({ authorization: `Bearer ${await benchToken}` }),
    on: { connected: () => onConnected(), error: (error) => onError(error) },
  });
  await connected;
  return client;
}

export interface Arrival<T> {
  data: T;
  /** wallClockMs() when the event was handed to us. */
  at: number;
}

/**
 * Subscribes with a callback; every event (and any error) goes to `onEvent`. Returns the
 * function that ends the subscription.
 */
export function subscribe<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onEvent: (arrival: Arrival<T>) => void,
  onError: (error: unknown) => void,
): () => void {
  return client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        const at = wallClockMs();
        if (result.errors?.length || !result.data) {
          onError(new Error(`subscription errors: ${JSON.stringify(result.errors)}`));
          return;
        }
        onEvent({ data: result.data as T, at });
      },
      error: onError,
      complete: () => {},
    },
  );
}
