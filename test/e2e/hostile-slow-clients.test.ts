/**
 * Slow clients on a production-mode system (headers within 1.5 s, the whole request within 2 s,
 * checked each second): headers, bodies and WebSocket upgrades trickled or stopped half-way, and
 * sockets that never say connection_init, are each cut off in time while normal requests are
 * served; afterwards the server still answers, its memory is bounded, and the store is untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aftermath, gql, type Harness, hostile, PROD, startHarness, stopHarness, table } from '../support/hostile-system.js';
import { expectClosed, slowClient, wsSession } from '../support/hostile.js';

let prod: Harness;

beforeAll(async () => {
  prod = await startHarness('prod');
}, 120_000);

afterAll(() => stopHarness(prod, 'hostile-slow-clients'));

describe('slow clients', () => {
  describe.concurrent('each slow client is cut off while normal requests are served', () => {
    const headerBound = PROD.headersTimeoutMs + 1000 + 500;
    const requestBound = PROD.requestTimeoutMs + 1000 + 500;
    const body = '{"query":"{ __typename }"}';
    const slow: { name: string; first: () => string; trickle: string; bound: number; atLeast: number }[] = [
      { name: 'headers trickled one line at a time', first: () => 'POST /graphql HTTP/1.1\r\nHost: x\r\n', trickle: 'X-Slow: 1\r\n', bound: headerBound, atLeast: PROD.headersTimeoutMs - 100 },
      { name: 'a request line trickled byte by byte', first: () => 'GET /hea', trickle: 'l', bound: headerBound, atLeast: PROD.headersTimeoutMs - 100 },
      { name: 'headers stopped half-way', first: () => 'GET /health HTTP/1.1\r\nHost: x\r\n', trickle: '', bound: headerBound, atLeast: PROD.headersTimeoutMs - 100 },
      { name: 'a connection that sends nothing', first: () => '', trickle: '', bound: headerBound, atLeast: PROD.headersTimeoutMs - 100 },
      { name: 'a WebSocket upgrade trickled', first: () => 'GET /graphql HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n', trickle: 'X-Slow: 1\r\n', bound: headerBound, atLeast: PROD.headersTimeoutMs - 100 },
      { name: 'a body trickled a byte at a time', first: () => `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${prod.admin}\r\nContent-Length: 100000\r\n\r\n{`, trickle: ' ', bound: requestBound, atLeast: PROD.requestTimeoutMs - 100 },
      { name: 'a body that stops half-way', first: () => `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${prod.admin}\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`, trickle: '', bound: requestBound, atLeast: PROD.requestTimeoutMs - 100 },
      { name: 'a second request on a kept-alive connection that stops', first: () => `GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n`, trickle: '', bound: 5000 + 1000 + 500, atLeast: 0 },
    ];
    table('a slow client is closed in time', slow, (c) => c.name, async ({ first, trickle, bound, atLeast }) => {
      const end = await slowClient(prod.url, first(), trickle, 200);
      expect(end.afterMs, `closed after ${end.afterMs} ms; got ${JSON.stringify(end.received.slice(0, 100))}`).toBeLessThanOrEqual(bound);
      expect(end.afterMs).toBeGreaterThanOrEqual(atLeast);
      // Node answers 408 or just closes; anything it did send is an HTTP answer, never a GraphQL result.
      if (end.received.length > 0) expect(end.received).toMatch(/^HTTP\/1\.1 (408|200)/);
    }, { concurrent: true, timeout: 15_000 });

    hostile(
      '20 sockets that never send connection_init are all closed with 4408',
      async () => {
        const sessions = Array.from({ length: 20 }, () => wsSession(prod.wsUrl));
        await Promise.all(sessions.map((session) => session.opened));
        for (const end of await Promise.all(sessions.map((session) => session.ended))) expectClosed(end, 4408);
      },
      { concurrent: true, timeout: 15_000 },
    );

    it.concurrent('normal requests are served while the slow clients hang on', async () => {
      for (let i = 0; i < 6; i += 1) {
        const started = Date.now();
        const answer = await gql(prod, '{ unreadCount(userId: "3") }');
        expect(typeof (answer.body?.data as { unreadCount?: unknown } | undefined)?.unreadCount, answer.text).toBe('number');
        expect((await fetch(`${prod.root}/health`)).status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1000);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
    }, 15_000);
  });

  aftermath(() => prod);
});
