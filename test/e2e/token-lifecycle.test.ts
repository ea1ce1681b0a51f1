/**
 * Tokens over time, on the real system: a live feed ends when its token expires (WebSocket and
 * SSE alike) and resumes with a fresh token from the last cursor; expired tokens are refused at
 * the door; and the per-sender send limit holds end to end, also across two instances sharing Redis.
 */
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { userToken } from '../support/auth.js';
import { graphqlData, sseSubscribe, wsClient, wsSubscribe, type GraphQLResponse } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const RATE_ENV = { SEND_RATE_USER: '1', SEND_BURST_USER: '3' };
/** With SEND_RATE_USER 1 and SEND_BURST_USER 3 (a bucket of 3 refilled at 1/s): at most this many single sends within `elapsedS` seconds. */
const allowance = (elapsedS: number) => 3 + Math.floor(elapsedS);

const ADDED = /* GraphQL */ `
  subscription Added($userId: ID, $after: String) {
    notificationAdded(userId: $userId, after: $after) { id cursor message }
  }
`;
const SEND = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;
const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id } error { code } } }
`;

interface Added { id: string; cursor: string; message: string }
interface AddedEvent { notificationAdded: Added }

const note = (recipientId: string, message: string) => ({ recipientId, kind: 'comment', message });

/** A POST to the GraphQL endpoint, with its status and headers. */
async function post<T>(url: string, query: string, variables: Record<string, unknown>, token: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T> };
}

/** Sends as an admin service (its own, generous, limit) and returns the id. */
async function adminSend(system: TestSystem, recipientId: string, message: string): Promise<string> {
  const data = await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND, { input: { ...note(recipientId, message), kind: 'system' } });
  return data.sendNotification.id;
}

/**
 * Everything stored for `userId` after `after`, up to and including the notification `untilId`
 * (an admin feed that replays, then goes live). One user's notifications are consumed in order,
 * so once `untilId` is seen every notification sent before it has been stored or never will be.
 */
async function storedUntil(system: TestSystem, userId: string, untilId: string, after = encodeCursor(0)): Promise<Added[]> {
  const ws = wsClient(system.wsUrl);
  const feed = wsSubscribe<AddedEvent>(ws, ADDED, { userId, after });
  const seen: Added[] = [];
  try {
    for (;;) {
      const event = await feed.next();
      expect(event.errors).toBeUndefined();
      seen.push(event.data!.notificationAdded);
      if (seen.at(-1)!.id === untilId) return seen;
    }
  } finally {
    await feed.close();
    await ws.dispose();
  }
}

/** A graphql-ws client that stays connected until the server closes it; `closed` gives the close code. */
function socketClient(url: string, token: string) {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client: Client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: { authorization: `Bearer ${token}` },
    on: { closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  return { client, closed };
}

/** A raw graphql-transport-ws socket that sends connection_init with `token`; records what it receives. */
function rawSocket(url: string, token: string) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const received: { type: string }[] = [];
  socket.on('message', (data) => received.push(JSON.parse(String(data)) as { type: string }));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { closed, received };
}

const expMs = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;

let system: TestSystem;
let redisA: TestSystem;
let redisB: TestSystem;
beforeAll(async () => {
  const redisEnv = { ...RATE_ENV, REDIS_URL };
  [system, redisA, redisB] = await Promise.all([
    startTestSystem({ env: RATE_ENV }),
    startTestSystem({ env: redisEnv }),
    startTestSystem({ env: redisEnv }),
  ]);
  await Promise.all([waitUntilReady(system), waitUntilReady(redisA), waitUntilReady(redisB)]);
});
afterAll(async () => {
  await Promise.all([system?.dispose(), redisA?.dispose(), redisB?.dispose()]);
});

describe('a live feed whose token expires', () => {
  it('over WebSocket: delivers until expiry, then says UNAUTHENTICATED, completes and closes 4403; a fresh token resumes with no gap or duplicate', async () => {
    const userId = '2';
    const token = await userToken(userId, { expiresIn: 3 });
    const expiresAt = expMs(token);
    const { client, closed } = socketClient(system.wsUrl, token);
    const feed = client.iterate<AddedEvent>({ query: ADDED, variables: { after: encodeCursor(0) } })[Symbol.asyncIterator]();

    const first = await adminSend(system, userId, 'before expiry');
    const delivered = await feed.next();
    expect(Date.now()).toBeLessThan(expiresAt);
    expect(delivered.done).toBe(false);
    const last = (delivered.value as GraphQLResponse<AddedEvent>).data!.notificationAdded;
    expect(last.id).toBe(first);

    const expiredEvent = await feed.next();
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(expiredEvent.done).toBe(false);
    const expired = expiredEvent.value as GraphQLResponse<AddedEvent>;
    expect(expired.data ?? null).toBeNull();
    expect(expired.errors).toHaveLength(1);
    expect(expired.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    expect(expired.errors![0]!.message).toMatch(/expired/);
    expect((await feed.next()).done).toBe(true);
    const close = await closed;
    expect(close.code).toBe(4403);
    expect(close.reason).toBe('token expired');
    await client.dispose();

    // Sent while away, and stored before the feed comes back.
    const away = await adminSend(system, userId, 'while away');
    expect((await storedUntil(system, userId, away, last.cursor)).map((n) => n.id)).toEqual([away]);

    const fresh = wsClient(system.wsUrl, { token: userToken(userId) });
    const resumed = wsSubscribe<AddedEvent>(fresh, ADDED, { after: last.cursor });
    expect((await resumed.next()).data!.notificationAdded).toMatchObject({ id: away, message: 'while away' });
    const live = await adminSend(system, userId, 'live again');
    // The next one is the new one: the replayed one is not delivered twice.
    expect((await resumed.next()).data!.notificationAdded.id).toBe(live);
    await resumed.close();
    await fresh.dispose();
  });

  it('over SSE: delivers until expiry, then says UNAUTHENTICATED and ends', async () => {
    const userId = '3';
    const token = await userToken(userId, { expiresIn: 3 });
    const expiresAt = expMs(token);
    const feed = await sseSubscribe<AddedEvent>(system.url, ADDED, { after: encodeCursor(0) }, { token });
    const sent = await adminSend(system, userId, 'before expiry');
    expect((await feed.next()).data!.notificationAdded.id).toBe(sent);
    expect(Date.now()).toBeLessThan(expiresAt);

    const expired = await feed.next();
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 50);
    expect(expired.errors).toHaveLength(1);
    expect(expired.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    expect(expired.errors![0]!.message).toMatch(/expired/);
    await expect(feed.next()).rejects.toThrow(/subscription completed|event stream ended/);
    await feed.close();
  });
});

describe('an expired token at the door', () => {
  it('closes a WebSocket with 4403 at connection_init, without acknowledging it', async () => {
    const { closed, received } = rawSocket(system.wsUrl, await userToken('1', { expiresIn: -60 }));
    expect(await closed).toEqual({ code: 4403, reason: 'the token has expired' });
    expect(received.map((message) => message.type)).not.toContain('connection_ack');
  });

  it('closes a WebSocket with 4403 at once for a token expired within the clock tolerance', async () => {
    const { closed } = rawSocket(system.wsUrl, await userToken('1', { expiresIn: -1 }));
    expect((await closed).code).toBe(4403);
  });

  it('answers HTTP with 401 UNAUTHENTICATED', async () => {
    const { status, headers, body } = await post(system.url, '{ unreadCount }', {}, await userToken('1', { expiresIn: -60 }));
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer');
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions?.code).toBe('UNAUTHENTICATED');
    expect(body.errors![0]!.message).toBe('the token has expired');
    expect(body.data ?? null).toBeNull();
  });
});

describe('the send limit (SEND_RATE_USER 1, SEND_BURST_USER 3)', () => {
  /** Single sends as `token`, spread over `urls` in turn, until one is refused. */
  async function sendUntilRefused(urls: string[], token: string, recipientId: string) {
    const accepted: string[] = [];
    const started = Date.now();
    for (let i = 0; i < 30; i += 1) {
      const result = await post<{ sendNotification: { id: string } }>(urls[i % urls.length]!, SEND, { input: note(recipientId, `send ${i}`) }, token);
      if (result.body.errors) return { accepted, refusal: result, elapsedS: (Date.now() - started) / 1000 };
      accepted.push(result.body.data!.sendNotification.id);
    }
    throw new Error('never refused');
  }

  it('refuses a user once the burst is spent, with RATE_LIMITED, retryAfterSeconds and Retry-After; nothing refused is stored', async () => {
    const token = await userToken('4');
    const { accepted, refusal, elapsedS } = await sendUntilRefused([system.url], token, '1');
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(accepted.length).toBeLessThanOrEqual(allowance(elapsedS));

    const [error] = refusal.body.errors!;
    expect(refusal.body.errors).toHaveLength(1);
    expect(error!.extensions?.code).toBe('RATE_LIMITED');
    const retryAfterSeconds = error!.extensions?.retryAfterSeconds;
    expect(retryAfterSeconds).toEqual(expect.any(Number));
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refusal.headers.get('retry-after')).toBe(String(retryAfterSeconds));
    expect(refusal.body.data ?? null).toBeNull();

    // More in one call than the burst is a call that could never succeed: BAD_USER_INPUT.
    const tooMany = await post(system.url, SEND_MANY, { inputs: [1, 2, 3, 4].map((i) => note('1', `batch ${i}`)) }, token);
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.headers.get('retry-after')).toBeNull();

    // The inbox holds exactly what was accepted (the sentinel, sent last, proves the rest consumed).
    const sentinel = await adminSend(system, '1', 'sentinel');
    expect((await storedUntil(system, '1', sentinel)).map((n) => n.id)).toEqual([...accepted, sentinel]);
  });

  it('refuses a batch larger than the burst with BAD_USER_INPUT, spending nothing', async () => {
    const token = await userToken('3');
    const tooMany = await post(system.url, SEND_MANY, { inputs: [1, 2, 3, 4].map((i) => note('4', `batch ${i}`)) }, token);
    expect(tooMany.body.errors).toHaveLength(1);
    expect(tooMany.body.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    // The whole burst is still there.
    const burst = await post<{ sendNotifications: { notification: { id: string } | null }[] }>(
      system.url,
      SEND_MANY,
      { inputs: [1, 2, 3].map((i) => note('4', `batch ${i}`)) },
      token,
    );
    expect(burst.body.errors).toBeUndefined();
    expect(burst.body.data!.sendNotifications.every((result) => result.notification !== null)).toBe(true);
  });

  it('is one limit across two instances sharing Redis', async () => {
    const userId = `rl-${randomBytes(6).toString('hex')}`;
    for (const instance of [redisA, redisB]) {
      await graphqlData(instance.url, 'mutation($id: ID!, $name: String!) { upsertUser(id: $id, name: $name) { id } }', { id: userId, name: 'Rate Limited' });
    }
    const { accepted, refusal, elapsedS } = await sendUntilRefused([redisA.url, redisB.url], await userToken(userId), '1');
    expect(refusal.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Both instances took some of the sends; together they allowed what one limit allows (two
    // separate limits would have allowed 6 before the first refusal).
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(accepted.length).toBeLessThanOrEqual(allowance(elapsedS));
    expect(allowance(elapsedS)).toBeLessThan(6);
  });
});
