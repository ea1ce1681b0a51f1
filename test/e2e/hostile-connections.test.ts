/**
 * Too many sockets, SSE streams and subscriptions for one caller, on a production-mode system with
 * small limits (4 connections per token, 5 subscriptions per socket): the ones beyond are refused
 * with 4429 or TOO_MANY_*, and slots come back when a socket closes, is dropped mid-verification,
 * or carried a forged token. Streams a client never reads are hostile-streams.test.ts.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { tokenFor, userToken } from '../support/auth.js';
import { aftermath, type Harness, hostile, PROD, serviceToken, startHarness, stopHarness, uniqueSubject } from '../support/hostile-system.js';
import { codesOf, eventually, expectClosed, operationErrors, sseFirst, wsConnected, wsSession, type WsSession } from '../support/hostile.js';

let prod: Harness;

beforeAll(async () => {
  prod = await startHarness('prod');
}, 120_000);

afterAll(() => stopHarness(prod, 'hostile-connections'));

describe('too many sockets and subscriptions', () => {
  const LIVE = 'subscription { notificationAdded { id } }';
  const sse = async (token: string) => sseFirst(prod.url, LIVE, {}, { authorization: `Bearer ${token}` }, 1500);
  /** An SSE stream held open; its response has arrived (so its slot is taken). */
  async function holdSse(token: string) {
    const abort = new AbortController();
    const response = await fetch(prod.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: LIVE }),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    return async () => {
      abort.abort();
      await reader.cancel().catch(() => {});
    };
  }
  async function userSockets(token: string, count: number) {
    const sessions: WsSession[] = [];
    for (let i = 0; i < count; i += 1) sessions.push(await wsConnected(prod.wsUrl, token));
    return sessions;
  }
  const closeAll = (sessions: WsSession[]) => Promise.all(sessions.map((session) => session.close()));
  /** Opens `count` sockets for the token, closes them all, and throws unless every one was acknowledged. */
  async function allFit(token: string, count = PROD.connectionsPerUser) {
    const sessions = Array.from({ length: count }, () => wsSession(prod.wsUrl));
    await Promise.all(sessions.map((session) => session.opened));
    for (const session of sessions) session.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    const outcomes = await Promise.all(
      sessions.map((session) => Promise.race([session.next().then((m) => m.type), session.ended.then((end) => JSON.stringify(end))])),
    );
    await closeAll(sessions);
    expect(outcomes).toEqual(Array.from({ length: count }, () => 'connection_ack'));
  }

  hostile('a 5th socket for one token is closed with 4429', async () => {
    const token = await userToken(uniqueSubject('u'));
    const held = await userSockets(token, PROD.connectionsPerUser);
    const extra = wsSession(prod.wsUrl);
    await extra.opened;
    extra.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expectClosed(await extra.ended, 4429);
    await closeAll(held);
  });

  hostile('20 sockets at once for one token: 4 acknowledged, 16 closed with 4429', async () => {
    const token = await userToken(uniqueSubject('u'));
    const sessions = Array.from({ length: 20 }, () => wsSession(prod.wsUrl));
    await Promise.all(sessions.map((session) => session.opened));
    for (const session of sessions) session.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    const outcomes = await Promise.all(
      sessions.map((session) => Promise.race([session.next().then((m) => m.type), session.ended.then((end) => (end.kind === 'closed' ? end.code : end.kind))])),
    );
    expect(outcomes.filter((o) => o === 'connection_ack')).toHaveLength(PROD.connectionsPerUser);
    expect(outcomes.filter((o) => o === 4429)).toHaveLength(20 - PROD.connectionsPerUser);
    await closeAll(sessions);
  });

  hostile('closed sockets give their slots back', async () => {
    const token = await userToken(uniqueSubject('u'));
    await allFit(token);
    await allFit(token);
  });

  hostile('an SSE stream beyond 4 sockets is TOO_MANY_CONNECTIONS', async () => {
    const token = await userToken(uniqueSubject('u'));
    const held = await userSockets(token, PROD.connectionsPerUser);
    const answer = await sse(token);
    expect(answer.status).toBe(429);
    expect(codesOf(answer.first)).toEqual(['TOO_MANY_CONNECTIONS']);
    await closeAll(held);
  });

  hostile('a 5th SSE stream is TOO_MANY_CONNECTIONS', async () => {
    const token = await userToken(uniqueSubject('u'));
    const held = await Promise.all(Array.from({ length: PROD.connectionsPerUser }, () => holdSse(token)));
    const answer = await sse(token);
    expect(codesOf(answer.first)).toEqual(['TOO_MANY_CONNECTIONS']);
    await Promise.all(held.map((release) => release()));
  });

  hostile('a socket beyond 4 SSE streams is closed with 4429', async () => {
    const token = await userToken(uniqueSubject('u'));
    const held = await Promise.all(Array.from({ length: PROD.connectionsPerUser }, () => holdSse(token)));
    const extra = wsSession(prod.wsUrl);
    await extra.opened;
    extra.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    expectClosed(await extra.ended, 4429);
    await Promise.all(held.map((release) => release()));
  });

  for (const count of [PROD.subscriptionsPerConnection + 1, PROD.subscriptionsPerConnection + 10]) {
    hostile(`${count} subscriptions on one socket: those beyond 5 get TOO_MANY_SUBSCRIPTIONS`, async () => {
      const session = await wsConnected(prod.wsUrl, await serviceToken(uniqueSubject('svc')));
      for (let i = 1; i <= count; i += 1) session.send({ id: String(i), type: 'subscribe', payload: { query: 'subscription { notificationAdded(userId: "3") { id } }' } });
      for (let i = PROD.subscriptionsPerConnection + 1; i <= count; i += 1) {
        const errors = await operationErrors(session, String(i));
        expect(errors.map((error) => error.extensions?.code)).toEqual(['TOO_MANY_SUBSCRIPTIONS']);
      }
      await session.close();
    });
  }

  hostile('30 sockets with forged tokens take no slots', async () => {
    const subject = uniqueSubject('u');
    const forged = await tokenFor({ sub: subject }, 'a-wrong-secret-that-is-at-least-32-characters');
    const sessions = Array.from({ length: 30 }, () => wsSession(prod.wsUrl));
    await Promise.all(sessions.map((session) => session.opened));
    for (const session of sessions) session.send({ type: 'connection_init', payload: { authorization: `Bearer ${forged}` } });
    for (const session of sessions) expectClosed(await session.ended, 4403);
    await allFit(await userToken(subject));
  });

  hostile('sockets dropped while their token is being verified take no slots', async () => {
    const token = await userToken(uniqueSubject('u'));
    const init = JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
    // Dropped at once, or a moment later: some land after the server read the init and before the token checked out.
    await Promise.all(
      Array.from({ length: 120 }, async (_, index) => {
        const session = wsSession(prod.wsUrl);
        await session.opened;
        session.socket.send(init, () => {
          const drop = () => session.socket.terminate();
          const when = index % 6;
          if (when === 0) drop();
          else if (when === 1) queueMicrotask(drop);
          else if (when === 2) setImmediate(drop);
          else setTimeout(drop, when - 3);
        });
        await session.ended;
      }),
    );
    // A leak is permanent: give the server a bounded moment to finish the verifications, then all 4 must fit.
    await eventually(() => allFit(token), 2000);
  });

  hostile('SSE requests dropped before the stream starts take no slots', async () => {
    const token = await userToken(uniqueSubject('u'));
    const body = JSON.stringify({ query: LIVE });
    const head = `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const { port } = new URL(prod.url);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(Number(port), '127.0.0.1', () => {
            socket.write(head);
            // Drop at once, or as soon as the first bytes of the answer arrive.
            if (i % 2 === 0) socket.resetAndDestroy();
            else socket.once('data', () => socket.resetAndDestroy());
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        }),
      ),
    );
    await eventually(async () => {
      // A try that falls short must give back what it did take, or the next try counts its own leftovers.
      const tries = await Promise.allSettled(Array.from({ length: PROD.connectionsPerUser }, () => holdSse(token)));
      await Promise.all(tries.map((held) => (held.status === 'fulfilled' ? held.value() : undefined)));
      const refused = tries.find((held) => held.status === 'rejected');
      if (refused) throw refused.reason;
    }, 2000);
  });

  aftermath(() => prod);
});
