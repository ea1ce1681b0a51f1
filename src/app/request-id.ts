/**
 * One id per HTTP request (and per WebSocket connection), on every log line about it and in the
 * `x-request-id` response header. A caller's own id (a proxy's, a client's trace) is kept when it
 * is short and plainly safe to log and echo; anything else gets a fresh UUID instead.
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';

export const REQUEST_ID_HEADER = 'x-request-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestIdFrom = (header: string | null | undefined): string => (header && SAFE_ID.test(header) ? header : randomUUID());

export function createRequestIds() {
  const ids = new WeakMap<Request, string>();
  const idOf = (request: Request): string => {
    let id = ids.get(request);
    if (id === undefined) {
      id = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
      ids.set(request, id);
    }
    return id;
  };
  const plugin: Plugin = {
    onRequest({ request }) {
      idOf(request);
    },
    onResponse({ request, response }) {
      response.headers.set(REQUEST_ID_HEADER, idOf(request));
    },
  };
  return { idOf, plugin };
}
