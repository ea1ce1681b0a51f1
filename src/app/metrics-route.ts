/**
 * `/metrics` in Prometheus's text format, without a token (scrapers carry none): on the main
 * port, or, when METRICS_PORT is set, on a port of its own that the main one does not answer
 * for, so it can stay inside the cluster while the API faces the world.
 */
import { createServer } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import { listen } from './listen.js';

export const METRICS_PATH = '/metrics';

async function scrape(registry: Registry, method: string): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } });
  const body = await registry.metrics();
  return new Response(method === 'HEAD' ? null : body, { headers: { 'content-type': registry.contentType } });
}

/** Answers /metrics on the API's own port, before any GraphQL handling (and before CSRF checks). */
export function useMetricsRoute(registry: Registry): Plugin {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname === METRICS_PATH) endResponse(await scrape(registry, request.method));
    },
  };
}

/** A server of its own for /metrics; every other path is a plain 404. */
export function createMetricsServer(registry: Registry) {
  const server = createServer((request, response) => {
    if (new URL(request.url ?? '/', 'http://metrics').pathname !== METRICS_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' }).end('not found\n');
      return;
    }
    void scrape(registry, request.method ?? 'GET').then(
      async (answer) => {
        response.writeHead(answer.status, { ...Object.fromEntries(answer.headers), 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
        response.end(await answer.text());
      },
      () => response.writeHead(500).end(),
    );
  });
  return {
    start: (port: number, host?: string): Promise<string> => listen(server, port, host, METRICS_PATH),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
