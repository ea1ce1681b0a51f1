/**
 * Issue 15, §3.3, on the real system in production mode: what a token must claim, the same on
 * HTTP, SSE and graphql-ws. It must expire, and live no longer than AUTH_MAX_TOKEN_LIFETIME_S (a
 * day by default: exp − now and exp − iat); its rights come from the `scope` claim alone, a
 * space-delimited string of exact scopes (`scp`, `permissions` grant nothing; an array or a
 * padded string is refused); and a token already expired when a stream starts, though let in
 * within the clock tolerance, gets no replay of the inbox over any stream. Its workspace comes
 * from `org_id` alone, a workspace id or nothing (a malformed one refuses the token); it confines
 * a user and a service to that workspace, and no other claim names one.
 */
import { randomBytes } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/caller.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { adminToken, TEST_JWT_SECRET } from '../support/auth.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { codesOf, postGraphQL, sseFirst, wsSession, type WireResult, type WsMessage } from '../support/hostile.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const nowS = () => Math.floor(Date.now() / 1000);
const DAY_S = 86_400;

/** Signs exactly these claims (no iat or exp unless given) with the system's secret. */
const signed = (claims: JWTPayload) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));

const ME = /* GraphQL */ `query Me { me { id } }`;
const USERS = /* GraphQL */ `query Users { users { id } }`;
const ADDED = /* GraphQL */ `
  subscription Added($userId: ID, $after: String) { notificationAdded(userId: $userId, after: $after) { id message } }
`;
const SEND = /* GraphQL */ `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }`;

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ env: { NODE_ENV: 'production' } });
  await waitUntilReady(system);
}, 120_000);

afterAll(async () => {
  await system?.dispose();
});

/** How each transport answers a token at the door: HTTP and SSE with a status and one error, graphql-ws with a close. */
async function overHttp(token: string, query = ME, variables: Record<string, unknown> = {}) {
  const answer = await postGraphQL(system.url, { query, variables }, { token });
  return { status: answer.status, result: answer.body };
}

async function overSse(token: string, variables: Record<string, unknown> = {}) {
  const answer = await sseFirst(system.url, ADDED, variables, { authorization: `Bearer ${token}` }, 3_000);
  return { status: answer.status, result: answer.first, completed: answer.completed };
}

/**
 * Connects with the token and, once acknowledged, runs `query` (the feed by default): every
 * message until the first result or error of the operation, or until the socket ends.
 */
async function overWebSocket(token: string, variables: Record<string, unknown> = {}, query = ADDED, { untilClosed = false } = {}) {
  const session = wsSession(system.wsUrl);
  await session.opened;
  session.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  const messages: WsMessage[] = [];
  for (;;) {
    let message: WsMessage;
    try {
      message = await session.next();
    } catch {
      // The server ended the socket.
      return { messages, end: await session.ended };
    }
    messages.push(message);
    if (message.type === 'connection_ack') session.send({ type: 'subscribe', id: 's', payload: { query, variables } });
    if (!untilClosed && (message.type === 'next' || message.type === 'error')) return { messages, end: await session.close() };
  }
}

/** Refused at the door on all three transports, with UNAUTHENTICATED and this message. */
async function expectRefusedEverywhere(token: string, message: string | RegExp) {
  const http = await overHttp(token);
  expect(http.status).toBe(401);
  expect(codesOf(http.result)).toEqual(['UNAUTHENTICATED']);
  expect(http.result?.errors?.[0]?.message).toMatch(message);

  const sse = await overSse(token);
  expect(sse.status).toBe(401);
  expect(codesOf(sse.result)).toEqual(['UNAUTHENTICATED']);
  expect(sse.result?.errors?.[0]?.message).toMatch(message);

  const ws = await overWebSocket(token);
  expect(ws.messages.map((m) => m.type)).toEqual([]);
  expect(ws.end).toMatchObject({ kind: 'closed', code: 4403 });
  expect(ws.end.kind === 'closed' && ws.end.reason).toMatch(message);
}

describe('lifetimes: a token must expire, within a day (the production default)', () => {
  const tooLong = /^the token lives longer than the 86400 s accepted here: ask for a shorter-lived one$/;

  it.each([
    ['no exp', () => ({ sub: '2', iat: nowS() }), /^the token has no expiry \(exp\): only tokens that expire are accepted$/],
    ['no exp and no iat, with the admin scope', () => ({ sub: 'svc', scope: SCOPES.admin }), /^the token has no expiry \(exp\)/],
    ['exp 1e20', () => ({ sub: '2', exp: 1e20 }), tooLong],
    ['exp in the year 9999', () => ({ sub: '2', iat: nowS(), exp: Date.parse('9999-12-31T23:59:59Z') / 1000 }), tooLong],
    ['exp a day and a minute away', () => ({ sub: '2', iat: nowS(), exp: nowS() + DAY_S + 60 }), tooLong],
    ['exp near but issued two days before it', () => ({ sub: '2', iat: nowS() - 2 * DAY_S, exp: nowS() + 600 }), tooLong],
    ['an admin token living a year', () => ({ sub: 'svc', scope: SCOPES.admin, iat: nowS(), exp: nowS() + 365 * DAY_S }), tooLong],
  ])('refuses a token with %s over HTTP, SSE and WebSocket alike', async (_name, claims, message) => {
    await expectRefusedEverywhere(await signed(claims()), message);
  });

  it('admits a token living exactly a day, and an hour, on every transport', async () => {
    for (const exp of [nowS() + DAY_S, nowS() + 3600]) {
      const token = await signed({ sub: '2', iat: nowS(), exp });
      const http = await overHttp(token);
      expect(http.status).toBe(200);
      expect(http.result?.errors).toBeUndefined();
      const ws = wsClient(system.wsUrl, { token });
      try {
        for await (const result of ws.iterate({ query: ME })) {
          expect((result as WireResult).errors).toBeUndefined();
          break;
        }
      } finally {
        await ws.dispose();
      }
    }
  });
});

describe('scopes: from the scope claim alone, as exact space-delimited scope tokens', () => {
  const exp = () => nowS() + 600;
  const malformed = /^the token's scope claim is not a space-delimited string of scopes$/;

  it.each([
    ['an array', () => [SCOPES.admin]],
    ['padded', () => ` ${SCOPES.admin} `],
    ['two spaces apart', () => `${SCOPES.send}  ${SCOPES.admin}`],
  ])('refuses a token whose scope claim is %s, on every transport', async (_name, scope) => {
    await expectRefusedEverywhere(await signed({ sub: 'svc', scope: scope(), exp: exp() }), malformed);
  });

  it.each([
    ['scp', { scp: [SCOPES.admin] }],
    ['scp as a string', { scp: SCOPES.admin }],
    ['permissions', { permissions: [SCOPES.send, SCOPES.admin] }],
    ['a scope that only starts with the admin scope', { scope: `${SCOPES.admin}:all` }],
    ['the admin scope in capitals', { scope: SCOPES.admin.toUpperCase() }],
    ['scopes joined by a comma (one scope token to OAuth)', { scope: `${SCOPES.send},${SCOPES.admin}` }],
  ])('grants nothing for %s: the token is a user token for its subject', async (_name, claims) => {
    const token = await signed({ sub: 'svc-claims', exp: exp(), ...claims });
    // Not admin over HTTP…
    const http = await overHttp(token, USERS);
    expect(codesOf(http.result)).toEqual(['FORBIDDEN']);
    // …nor over SSE or WebSocket, where it may not name another user's feed.
    const sse = await overSse(token, { userId: '2' });
    expect(codesOf(sse.result)).toEqual(['FORBIDDEN']);
    const ws = await overWebSocket(token, { userId: '2' });
    const refusal = ws.messages.find((message) => message.type === 'error' || message.type === 'next');
    expect(JSON.stringify(refusal?.payload)).toContain('FORBIDDEN');
    expect(JSON.stringify(refusal?.payload)).not.toContain('"data":{');
    // Not a sender as anyone else either: it sends as itself or not at all.
    const asOther = await overHttp(token, SEND, { input: { senderId: '3', recipientId: '2', kind: 'comment', message: 'as someone else' } });
    expect(codesOf(asOther.result)).toEqual(['FORBIDDEN']);
  });

  it('admits the exact scope string as a service: admin over HTTP, and any feed over SSE and WebSocket', async () => {
    const token = await signed({ sub: 'svc', scope: `openid ${SCOPES.send} ${SCOPES.admin}`, iat: nowS(), exp: exp() });
    const http = await overHttp(token, USERS);
    expect(http.result?.errors).toBeUndefined();
    const sse = await sseFirst(system.url, ADDED, { userId: '2' }, { authorization: `Bearer ${token}` }, 300);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    const ws = await overWebSocket(token, {}, USERS);
    expect(ws.messages.map((message) => message.type)).toEqual(['connection_ack', 'next']);
    expect((ws.messages[1]!.payload as WireResult).errors).toBeUndefined();
  });
});

describe('a stream started with a token already expired, within the clock tolerance', () => {
  let userId: string;
  const history: string[] = [];

  beforeAll(async () => {
    userId = `claims-${randomBytes(5).toString('hex')}`;
    await graphqlData(system.url, 'mutation($id: ID!) { upsertUser(id: $id, name: "History") { id } }', { id: userId }, { token: adminToken });
    for (const message of ['first', 'second', 'third']) {
      const { sendNotification } = await graphqlData<{ sendNotification: { id: string } }>(system.url, SEND, {
        input: { recipientId: userId, kind: 'system', message },
      });
      history.push(sendNotification.id);
    }
    // Stored: an admin feed replays all three.
    const admin = wsClient(system.wsUrl);
    const feed = wsSubscribe<{ notificationAdded: { id: string } }>(admin, ADDED, { userId, after: encodeCursor(0) });
    const seen: string[] = [];
    while (seen.length < history.length) seen.push((await feed.next()).data!.notificationAdded.id);
    expect(seen).toEqual(history);
    await feed.close();
    await admin.dispose();
  });

  /** Expired two seconds ago: inside the default 5 s tolerance, so the door lets it in. */
  const justExpired = () => signed({ sub: userId, iat: nowS() - 60, exp: nowS() - 2 });

  it('is let in at the door (the tolerance is for clocks, not streams)', async () => {
    const http = await overHttp(await justExpired());
    expect(http.status).toBe(200);
  });

  it('over SSE: the first and only event is UNAUTHENTICATED, then the stream ends; nothing of the inbox is replayed', async () => {
    const sse = await overSse(await justExpired(), { after: encodeCursor(0) });
    expect(sse.status).toBe(200);
    expect(sse.result?.data ?? null).toBeNull();
    expect(codesOf(sse.result)).toEqual(['UNAUTHENTICATED']);
    expect(sse.result?.errors?.[0]?.message).toMatch(/expired/);
    expect(sse.completed).toBe(true);
    for (const id of history) expect(JSON.stringify(sse.result)).not.toContain(id);
  });

  it('over WebSocket: no replay either, and the socket closes with 4403', async () => {
    const ws = await overWebSocket(await justExpired(), { after: encodeCursor(0) }, ADDED, { untilClosed: true });
    const results = ws.messages.filter((message) => message.type === 'next');
    for (const result of results) expect((result.payload as WireResult).data ?? null).toBeNull();
    for (const id of history) expect(JSON.stringify(ws.messages)).not.toContain(id);
    expect(ws.end).toMatchObject({ kind: 'closed', code: 4403 });
  });

  it('the same stream with a valid token replays the inbox (the history is there to leak)', async () => {
    const sse = await overSse(await signed({ sub: userId, iat: nowS(), exp: nowS() + 600 }), { after: encodeCursor(0) });
    expect(sse.result?.errors).toBeUndefined();
    expect(sse.result?.data).toEqual({ notificationAdded: { id: history[0], message: 'first' } });
  });
});

describe('the workspace claim (org_id): a workspace id, or nothing', () => {
  const exp = () => nowS() + 600;
  const notAWorkspace = /^the token's org_id claim is not a workspace id$/;
  const ADDED_IN = /* GraphQL */ `subscription AddedIn($workspaceId: ID) { notificationAdded(workspaceId: $workspaceId) { id message } }`;
  const INBOX_IN = /* GraphQL */ `query InboxIn($userId: ID, $workspaceId: ID) { unreadCount(userId: $userId, workspaceId: $workspaceId) }`;

  it.each([
    ['a number', 42],
    ['a list', ['acme']],
    ['an object', { id: 'acme' }],
    ['blank', ''],
    ['a space inside', 'acme corp'],
    ['a path', '../globex'],
  ])('refuses a token whose org_id is %s, user or service, on every transport', async (_name, value) => {
    await expectRefusedEverywhere(await signed({ sub: '2', org_id: value, exp: exp() }), notAWorkspace);
    await expectRefusedEverywhere(await signed({ sub: 'svc', scope: SCOPES.admin, org_id: value, exp: exp() }), notAWorkspace);
  });

  it.each([
    ['tenant', { tenant: 'globex' }],
    ['org', { org: 'globex' }],
    ['a namespaced org_id', { 'https://example.com/org_id': 'globex' }],
    ['org_id in capitals', { ORG_ID: 'globex' }],
  ])('gives a user no workspace for %s: it may not name one, on HTTP, SSE or WebSocket', async (_name, claims) => {
    const token = await signed({ sub: '2', exp: exp(), ...claims });
    const http = await overHttp(token, INBOX_IN, { workspaceId: 'globex' });
    expect(codesOf(http.result)).toEqual(['FORBIDDEN']);
    const sse = await sseFirst(system.url, ADDED_IN, { workspaceId: 'globex' }, { authorization: `Bearer ${token}` }, 3_000);
    expect(codesOf(sse.first)).toEqual(['FORBIDDEN']);
    const ws = await overWebSocket(token, { workspaceId: 'globex' }, ADDED_IN);
    const refusal = ws.messages.find((message) => message.type === 'error' || message.type === 'next');
    expect(JSON.stringify(refusal?.payload)).toContain('FORBIDDEN');
    expect(JSON.stringify(refusal?.payload)).not.toContain('"data":{');
  });

  it("keeps a user in acme out of globex, however it names it, and answers alike whether globex exists or not", async () => {
    const token = await signed({ sub: '2', org_id: 'acme', exp: exp() });
    const answers = [];
    for (const workspaceId of ['globex', 'no-such-workspace', 'ACME']) {
      const http = await overHttp(token, INBOX_IN, { workspaceId });
      expect(codesOf(http.result)).toEqual(['FORBIDDEN']);
      answers.push(http.result?.errors?.[0]?.message);
    }
    expect(new Set(answers).size).toBe(1);
    // Its own workspace it may name, or leave out.
    for (const variables of [{ workspaceId: 'acme' }, {}]) expect((await overHttp(token, INBOX_IN, variables)).result?.errors).toBeUndefined();
    // Sending within another workspace: refused on the field, nothing sent.
    const send = await overHttp(token, SEND, { input: { recipientId: '3', kind: 'comment', message: 'into globex', workspaceId: 'globex' } });
    expect(send.result?.errors?.map((error) => error.extensions)).toEqual([expect.objectContaining({ code: 'FORBIDDEN', field: 'workspaceId' })]);
  });

  it('confines a service token with an org_id to that workspace, even with the admin scope', async () => {
    const token = await signed({ sub: 'svc', scope: `${SCOPES.send} ${SCOPES.admin}`, org_id: 'acme', exp: exp() });
    expect(codesOf((await overHttp(token, INBOX_IN, { userId: '2', workspaceId: 'globex' })).result)).toEqual(['FORBIDDEN']);
    expect((await overHttp(token, INBOX_IN, { userId: '2' })).result?.errors).toBeUndefined();
    const send = await overHttp(token, SEND, { input: { recipientId: '3', senderId: '2', kind: 'comment', message: 'into globex', workspaceId: 'globex' } });
    expect(send.result?.errors?.map((error) => error.extensions)).toEqual([expect.objectContaining({ code: 'FORBIDDEN', field: 'workspaceId' })]);
  });
});
