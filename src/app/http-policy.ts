/**
 * What the HTTP side allows browsers and crawlers: CORS (closed unless origins are listed),
 * CSRF prevention, WebSocket origins, introspection, and headers that stop content sniffing
 * and framing.
 */
import type { IncomingMessage } from 'node:http';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { CORSOptions } from 'graphql-yoga';

export interface HttpPolicy {
  /** Origins allowed to call from a browser; `*` for any, empty for none but our own. */
  corsOrigins: readonly string[];
}

export function corsOptions(origins: readonly string[]): CORSOptions | false {
  // Yoga reads an empty list as "any origin": none listed must mean CORS off.
  if (origins.length === 0) return false;
  // Bearer tokens, never cookies: credentials are never needed, so never allowed.
  const common = {
    credentials: false,
    methods: ['GET', 'POST'],
    // idempotency-key: the HTTP API's header (rest/), for a browser app sending with its user's token.
    allowedHeaders: ['authorization', 'content-type', 'x-graphql-csrf', 'x-request-id', 'idempotency-key'],
    // So a browser app can quote the id of a failed request.
    exposedHeaders: ['x-request-id'],
  };
  if (origins.includes('*')) return { ...common, origin: '*' };
  return { ...common, origin: [...origins] };
}

/**
 * A browser page may open a socket to us only from our own origin or a listed one. Clients
 * outside browsers send no Origin and are judged by their token alone.
 */
export function websocketOriginAllowed(origins: readonly string[], request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  if (origins.includes('*') || origins.includes(origin)) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

const unsupportedMediaType = () =>
  new Response(
    JSON.stringify({
      errors: [{ message: 'send the operation as application/json', extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }],
    }),
    { status: 415, headers: { 'content-type': 'application/json; charset=utf-8' } },
  );

export function useHttpPolicy() {
  return [
    // A cross-site form or "simple" request cannot carry these headers; every real client sends one.
    useCSRFPrevention({ requestHeaders: ['authorization', 'x-graphql-csrf', 'apollo-require-preflight'] }),
    {
      onResponse({ response, setResponse }: { response: Response; setResponse: (response: Response) => void }) {
        // Yoga answers an unknown content type with an empty 415; every error of ours has a code
        // (the HTTP API's own 415s have a body already, in their routes' shapes).
        if (response.status === 415 && response.body === null) {
          response = unsupportedMediaType();
          setResponse(response);
        }
        response.headers.set('x-content-type-options', 'nosniff');
        response.headers.set('referrer-policy', 'no-referrer');
        if (!response.headers.get('content-type')?.startsWith('text/html')) {
          response.headers.set('x-frame-options', 'DENY');
          response.headers.set('cache-control', 'no-store');
        }
      },
    },
  ];
}
