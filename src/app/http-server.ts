/**
 * The Node HTTP server in front of Yoga, with the bounds a slow or greedy client meets before
 * any GraphQL runs: headers and body within seconds (checked every second, not every 30 s),
 * a body no larger than the limit (by its Content-Length: a body without one is refused, so it
 * can never be read in full before being judged), and a cap on open connections.
 */
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from 'node:http';

export interface HttpServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  bodyBytes: number;
  connections: number;
}

type RefusalCode = 'LENGTH_REQUIRED' | 'PAYLOAD_TOO_LARGE';

/** A refusal in the shape a path's clients read (the HTTP API's problem details); undefined: GraphQL's. */
export type RefusalBody = (path: string, code: RefusalCode, message: string) => { headers: Record<string, string>; body: string } | undefined;

function refuse(request: IncomingMessage, response: ServerResponse, status: number, code: RefusalCode, message: string, refusalBody: RefusalBody) {
  const common = { connection: 'close', 'x-content-type-options': 'nosniff' };
  const other = refusalBody(new URL(request.url ?? '/', 'http://server').pathname, code, message);
  if (other) {
    response.writeHead(status, { ...other.headers, ...common });
    response.end(other.body);
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...common });
  response.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/** Told of each request refused here, by its code: the client's mistake, counted, never logged above debug. */
export type OnRefused = (code: RefusalCode) => void;

export function createHttpServer(handler: RequestListener, limits: HttpServerLimits, onRefused: OnRefused = () => {}, refusalBody: RefusalBody = () => undefined) {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: 1000,
      maxHeaderSize: 16 * 1024,
    },
    (request: IncomingMessage, response: ServerResponse) => {
      if (request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH') {
        const length = request.headers['content-length'];
        if (length === undefined) {
          onRefused('LENGTH_REQUIRED');
          return refuse(request, response, 411, 'LENGTH_REQUIRED', 'send the body with a Content-Length header', refusalBody);
        }
        if (Number(length) > limits.bodyBytes) {
          onRefused('PAYLOAD_TOO_LARGE');
          return refuse(request, response, 413, 'PAYLOAD_TOO_LARGE', `the body may hold at most ${limits.bodyBytes} bytes`, refusalBody);
        }
      }
      return handler(request, response);
    },
  );
  server.maxConnections = limits.connections;
  // Idle keep-alive sockets go soon; a client that wants to stay uses WebSocket or SSE.
  server.keepAliveTimeout = 5000;
  return server;
}
