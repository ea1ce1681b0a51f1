/**
 * The hostile-input suite: the identity and security layer, proved from outside. Hundreds of
 * generated inputs a client should never send (malformed JSON and frames, wrong types, huge and
 * deep documents, forged tokens, graphql-ws messages out of order, too many sockets, slow
 * clients) over HTTP, SSE and WebSocket, each answered with its code. After each family the
 * server still answers /health and a normal query, its memory has not run away, and the store
 * holds nothing it should not (a canary sent afterwards arrives, and nothing else did).
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/caller.js';
import type { Env } from '../../src/config.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { sendOnlyToken, tokenFor, userToken } from '../support/auth.js';
import { wsClient, wsSubscribe } from '../support/graphql.js';
import {
  closePayload,
  codesOf,
  eventually,
  forgedTokens,
  heldBytes,
  postGraphQL,
  rawHttp,
  rawWebSocket,
  request,
  slowClient,
  sseFirst,
  wsConnected,
  wsFrame,
  wsSession,
  type ForgedToken,
  type HttpAnswer,
  type WireError,
  type WireResult,
  type WsEnd,
  type WsSession,
} from '../support/hostile.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

// ---------------------------------------------------------------------------------------------
// Limits the production-mode system runs with (small, so the tests are fast)

const PROD = {
  headersTimeoutMs: 1500,
  requestTimeoutMs: 2000,
  connectionsPerUser: 4,
  subscriptionsPerConnection: 5,
  allowedOrigin: 'https://app.example',
};
const BODY_LIMIT = 1024 * 1024;
const WS_PAYLOAD_LIMIT = 64 * 1024;
/** What the process (server and tests) may hold more after a family than before it (heap + buffers, after GC). */
const FAMILY_MEMORY_SLACK_BYTES = 64 * 1024 * 1024;
/** …and more after any family than after start-up. */
const TOTAL_MEMORY_SLACK_BYTES = 192 * 1024 * 1024;
/** Every refused send carries this, so the store check can tell if one slipped through. */
const HOSTILE = 'hostile-payload';
const VICTIMS = ['2', '3', '4'] as const;

const serviceToken = (sub: string) => tokenFor({ sub, scope: `${SCOPES.send} ${SCOPES.admin}` });
let uniqueCounter = 0;
/** A subject no other case uses, so per-caller limits never bleed between cases. */
const uniqueSubject = (prefix: string) => `${prefix}-${process.pid}-${(uniqueCounter += 1)}`;

// ---------------------------------------------------------------------------------------------
// The systems under attack

interface Harness {
  name: string;
  system: TestSystem;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  wsUrl: string;
  /** http://127.0.0.1:<port> */
  root: string;
  admin: string;
  /** Per victim: every notification the inbox should hold, with its status. */
  expected: Map<string, Map<string, string>>;
  /** Per victim: the highest seq seen, to replay only what is new. */
  lastSeq: Map<string, number>;
  users: string[];
}

let dev: Harness;
let prod: Harness;
let memoryBaseline = 0;
const tally = { ran: 0, passed: 0 };

const SNAPSHOT = /* GraphQL */ `
  query Snapshot($u: ID!) {
    notifications(userId: $u, first: 100, filter: { status: [UNREAD, READ, ARCHIVED] }) {
      totalCount
      nodes { id seq status message }
    }
    unreadCount(userId: $u)
  }
`;
interface Snapshot {
  notifications: { totalCount: number; nodes: { id: string; seq: number; status: string; message: string }[] };
  unreadCount: number;
}
const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { id } error { code field message } }
  }
`;
interface SendManyData {
  sendNotifications: { index: number; notification: { id: string } | null; error: { code: string; field: string | null; message: string } | null }[];
}
const ADDED = /* GraphQL */ `
  subscription Added($userId: ID!, $after: String) { notificationAdded(userId: $userId, after: $after) { id seq message } }
`;
interface AddedEvent {
  notificationAdded: { id: string; seq: number; message: string };
}

async function data<T>(h: Harness, query: string, variables: Record<string, unknown> = {}, token: string = h.admin): Promise<T> {
  const answer = await postGraphQL(h.url, { query, variables }, { token });
  if (!answer.body?.data || answer.body.errors?.length) throw new Error(`GraphQL errors: ${answer.text.slice(0, 500)}`);
  return answer.body.data as T;
}

/** Sends as admin and waits until every one is stored, through a feed that replays after `lastSeq`. */
async function sendAndStore(h: Harness, inputs: Record<string, unknown>[]): Promise<string[]> {
  const recipients = [...new Set(inputs.map((input) => String(input.recipientId)))];
  const client = wsClient(h.wsUrl, { token: await serviceToken(uniqueSubject(`store-${h.name}`)) });
  try {
    const feeds = recipients.map((userId) => ({
      userId,
      feed: wsSubscribe<AddedEvent>(client, ADDED, { userId, after: encodeCursor(h.lastSeq.get(userId) ?? 0) }),
    }));
    const results = (await data<SendManyData>(h, SEND_MANY, { inputs })).sendNotifications;
    const ids = results.map((result) => {
      if (!result.notification) throw new Error(`seed send failed: ${JSON.stringify(result.error)}`);
      return result.notification.id;
    });
    const wanted = new Set(ids);
    for (const { userId, feed } of feeds) {
      const mine = inputs.flatMap((input, index) => (String(input.recipientId) === userId ? [ids[index]!] : []));
      const pending = new Set(mine);
      while (pending.size > 0) {
        const event = await feed.next();
        const added = event.data?.notificationAdded;
        if (!added) throw new Error(`feed error: ${JSON.stringify(event.errors)}`);
        // Anything stored that nobody sent legitimately is exactly what must never happen.
        expect(wanted.has(added.id), `unexpected notification stored for ${userId}: ${JSON.stringify(added)}`).toBe(true);
        h.lastSeq.set(userId, Math.max(h.lastSeq.get(userId) ?? 0, added.seq));
        pending.delete(added.id);
      }
      await feed.close();
    }
    return ids;
  } finally {
    await client.dispose();
  }
}

async function snapshot(h: Harness, userId: string): Promise<Snapshot> {
  return data<Snapshot>(h, SNAPSHOT, { u: userId });
}

async function startHarness(name: string, env: Partial<Record<keyof Env, string>>): Promise<Harness> {
  const system = await startTestSystem({ env });
  await waitUntilReady(system);
  const url = system.url.replace('//localhost:', '//127.0.0.1:');
  const h: Harness = {
    name,
    system,
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    root: new URL(url).origin,
    admin: await serviceToken(`hostile-admin-${name}`),
    expected: new Map(),
    lastSeq: new Map(),
    users: ['1', '2', '3', '4'],
  };
  if (name === 'dev') {
    await data(h, `mutation { upsertUser(id: "sink", name: "Sink") { id } }`);
    h.users.push('sink');
  }
  // Each victim's inbox holds a few notifications in every state before any attack.
  const seeded = await sendAndStore(
    h,
    VICTIMS.flatMap((victim) => [
      { senderId: '1', recipientId: victim, kind: 'FOLLOW', message: `seed: Emma follows ${victim}` },
      { senderId: victim === '4' ? '3' : '4', recipientId: victim, kind: 'LIKE', message: `seed: a like for ${victim}`, link: '/posts/1' },
      { senderId: '2' === victim ? '3' : '2', recipientId: victim, kind: 'COMMENT', message: `seed: a comment for ${victim}`, data: { post: 1 } },
    ]),
  );
  for (const [index, victim] of VICTIMS.entries()) {
    const [, read, archived] = seeded.slice(index * 3, index * 3 + 3);
    await data(h, `mutation($u: ID!, $ids: [ID!]!) { markNotificationsRead(userId: $u, ids: $ids) { unreadCount } }`, { u: victim, ids: [read] });
    await data(h, `mutation($u: ID!, $ids: [ID!]!) { archiveNotifications(userId: $u, ids: $ids) { unreadCount } }`, { u: victim, ids: [archived] });
  }
  for (const victim of VICTIMS) {
    const snap = await snapshot(h, victim);
    h.expected.set(victim, new Map(snap.notifications.nodes.map((node) => [node.id, node.status])));
  }
  return h;
}

beforeAll(async () => {
  [dev, prod] = await Promise.all([
    startHarness('dev', {}),
    startHarness('prod', {
      NODE_ENV: 'production',
      CORS_ORIGINS: PROD.allowedOrigin,
      HTTP_HEADERS_TIMEOUT_MS: String(PROD.headersTimeoutMs),
      HTTP_REQUEST_TIMEOUT_MS: String(PROD.requestTimeoutMs),
      LIMIT_CONNECTIONS_PER_USER: String(PROD.connectionsPerUser),
      LIMIT_SUBSCRIPTIONS_PER_CONNECTION: String(PROD.subscriptionsPerConnection),
    }),
  ]);
  memoryBaseline = heldBytes();
}, 120_000);

afterAll(async () => {
  console.log(`hostile-input: ${tally.ran} cases, ${tally.passed} passed`);
  await Promise.all([dev?.system.dispose(), prod?.system.dispose()]);
});

// ---------------------------------------------------------------------------------------------
// Case tables and shared assertions

interface CaseOptions {
  concurrent?: boolean;
  timeout?: number;
}

/** One hostile case: counted when it starts, and as passed only if every assertion held. */
function hostile(title: string, run: () => Promise<void>, { concurrent = false, timeout }: CaseOptions = {}) {
  const body = async () => {
    tally.ran += 1;
    await run();
    tally.passed += 1;
  };
  if (concurrent) it.concurrent(title, body, timeout);
  else it(title, body, timeout);
}

function table<T>(label: string, cases: readonly T[], title: (c: T) => string, run: (c: T) => Promise<void>, options: CaseOptions = {}) {
  for (const c of cases) hostile(`${label}: ${title(c)}`, () => run(c), options);
}

const LEAKS = ['originalError', 'stacktrace', '    at ', 'node_modules', '.ts:', '.js:', 'SELECT ', 'kafkajs', '127.0.0.1:5432'];

/** Every error has a code, a bounded message and nothing internal; none is INTERNAL_SERVER_ERROR. */
function expectCleanErrors(errors: readonly WireError[] | undefined, context: string) {
  expect(errors?.length ?? 0, `no errors: ${context}`).toBeGreaterThan(0);
  for (const error of errors ?? []) {
    expect(typeof error.extensions?.code, `an error without a code: ${context}`).toBe('string');
    expect(error.extensions?.code, context).not.toBe('INTERNAL_SERVER_ERROR');
    expect(error.message.length, `an unbounded message: ${context.slice(0, 300)}`).toBeLessThanOrEqual(301);
  }
  const text = JSON.stringify(errors);
  for (const leak of LEAKS) expect(text, `leaks ${leak}`).not.toContain(leak);
}

/** The answer is a GraphQL error response carrying `code` (alone, or among `alsoAllowed`). */
function expectCode(
  answer: HttpAnswer,
  expected: string | string[],
  { status, field, alsoAllowed = [] }: { status?: number | number[]; field?: string; alsoAllowed?: string[] } = {},
) {
  const context = `${answer.status} ${answer.text.slice(0, 600)}`;
  expect(answer.body, `not a JSON GraphQL answer: ${context}`).not.toBeNull();
  expectCleanErrors(answer.body?.errors, context);
  const codes = codesOf(answer.body);
  const accepted = Array.isArray(expected) ? expected : [expected];
  const code = accepted.find((candidate) => codes.includes(candidate));
  expect(code, `expected one of ${accepted.join(', ')}: ${context}`).toBeDefined();
  for (const other of codes) expect([...accepted, ...alsoAllowed], context).toContain(other);
  if (status !== undefined) expect(Array.isArray(status) ? status : [status], context).toContain(answer.status);
  if (field !== undefined) {
    const withCode = answer.body?.errors?.find((error) => error.extensions?.code === code);
    expect(withCode?.extensions?.field, context).toBe(field);
  }
  const data = answer.body?.data as Record<string, unknown> | null | undefined;
  if (data) for (const value of Object.values(data)) expect(value, `refused yet answered: ${context}`).toBeNull();
}

const gql = (h: Harness, query: string, variables: Record<string, unknown> = {}, token: string | null = h.admin, headers: Record<string, string> = {}) =>
  postGraphQL(h.url, { query, variables }, { token, headers });

/** graphql-ws: the errors the server sent for operation `id` (as an `error`, or a `next` carrying errors). */
async function operationErrors(session: WsSession, id: string): Promise<WireError[]> {
  const message = await session.until((m) => m.id === id && (m.type === 'error' || m.type === 'next'));
  if (message.type === 'error') return message.payload as WireError[];
  return (message.payload as WireResult).errors ?? [];
}

function expectClosed(end: WsEnd, code: number) {
  expect(end, JSON.stringify(end)).toMatchObject({ kind: 'closed', code });
}

// ---------------------------------------------------------------------------------------------
// After each family: alive, answering, bounded, and the store untouched

const USERS_QUERY = `{ users { id } }`;

function aftermath(getHarness: () => Harness) {
  let familyStart = 0;
  beforeAll(() => {
    familyStart = heldBytes();
  });
  it('aftermath: /health answers, a normal query works, memory is bounded, the store holds nothing it should not', async () => {
    const h = getHarness();
    const health = await fetch(`${h.root}/health`);
    expect(health.status).toBe(200);
    const users = await data<{ users: { id: string }[] }>(h, USERS_QUERY);
    // No user was created by any refused call.
    expect(users.users.map((user) => user.id).sort()).toEqual([...h.users].sort());
    const me = await data<{ me: { id: string } | null }>(h, `{ me { id } }`, {}, await userToken('2'));
    expect(me.me?.id).toBe('2');

    // A canary to each victim, sent after every refused call: once it is stored, anything sent
    // before it to the same recipient (same partition) is stored too. sendAndStore fails on
    // anything but the canary arriving on the replayed feed.
    const canaries = await sendAndStore(
      h,
      VICTIMS.map((victim) => ({ senderId: '1', recipientId: victim, kind: 'COMMENT', message: `canary for ${victim}` })),
    );
    for (const [index, victim] of VICTIMS.entries()) {
      const expected = h.expected.get(victim)!;
      expected.set(canaries[index]!, 'UNREAD');
      const snap = await snapshot(h, victim);
      const held = new Map(snap.notifications.nodes.map((node) => [node.id, node.status]));
      expect(held, `inbox of ${victim}`).toEqual(expected);
      expect(snap.notifications.totalCount).toBe(expected.size);
      expect(snap.unreadCount).toBe([...expected.values()].filter((status) => status === 'UNREAD').length);
      for (const node of snap.notifications.nodes) expect(node.message).not.toContain(HOSTILE);
    }

    const held = heldBytes();
    const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
    const summary = `held ${mib(held)}: ${mib(familyStart)} before this family, ${mib(memoryBaseline)} at start`;
    expect(held - familyStart, summary).toBeLessThan(FAMILY_MEMORY_SLACK_BYTES);
    expect(held - memoryBaseline, summary).toBeLessThan(TOTAL_MEMORY_SLACK_BYTES);
  }, 30_000);
}

// =============================================================================================
// A. HTTP framing, bodies, content types, methods, CSRF

describe('A. HTTP framing and bodies', () => {
  const invalidJson: { name: string; body: () => string | Blob }[] = [
    { name: 'a lone brace', body: () => '{' },
    { name: 'a lone bracket', body: () => '[' },
    { name: 'a key without value', body: () => '{"query":' },
    { name: 'an unclosed object', body: () => '{"query":"{ __typename }"' },
    { name: 'a trailing comma', body: () => '{"query":"{ __typename }",}' },
    { name: 'single quotes', body: () => "{'query':'{ __typename }'}" },
    { name: 'a form body', body: () => 'query={__typename}' },
    { name: 'a NUL byte', body: () => '\u0000' },
    { name: 'a byte-order mark', body: () => '\ufeff{"query":"{ __typename }"}' },
    { name: 'an invalid escape', body: () => '{"query":"\\x41"}' },
    { name: 'garbage after the object', body: () => '{"query":"{ __typename }"}garbage' },
    { name: 'two objects', body: () => '{"query":"{ __typename }"}{"query":"{ __typename }"}' },
    { name: 'NaN', body: () => 'NaN' },
    { name: 'undefined as a value', body: () => '{"query": undefined}' },
    { name: 'an unterminated string', body: () => '"unterminated' },
    { name: 'an unterminated 500 KB string', body: () => `{"query":"${'a'.repeat(500_000)}` },
    { name: '100 000 open brackets', body: () => '['.repeat(100_000) },
    { name: 'deep unterminated variables', body: () => `{"query":"{ __typename }","variables":${'{"a":'.repeat(20_000)}` },
    { name: 'invalid UTF-8 bytes', body: () => new Blob([new Uint8Array([0xff, 0xfe, 0x7b, 0x22, 0x80, 0x22, 0x7d])]) },
    { name: 'a DEL control character', body: () => '\u007f' },
    { name: 'only whitespace', body: () => '   \n\t  ' },
    { name: 'a JSON comment', body: () => '{"query":"{ __typename }" /* hi */}' },
    { name: 'hex number', body: () => '{"query":"{ __typename }","variables":{"a":0x10}}' },
  ];
  table('invalid JSON is BAD_REQUEST', invalidJson, (c) => c.name, async ({ body }) => {
    const answer = await request(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      body: body(),
    });
    expectCode(answer, 'BAD_REQUEST', { status: [200, 400] });
  });

  const wrongShapes: { name: string; body: string; code?: string }[] = [
    { name: 'null', body: 'null' },
    { name: 'a number', body: '1' },
    { name: 'a string', body: '"{ __typename }"' },
    { name: 'true', body: 'true' },
    { name: 'an empty array', body: '[]' },
    { name: 'a batch', body: '[{"query":"{ __typename }"},{"query":"{ __typename }"}]' },
    { name: 'an empty object', body: '{}' },
    ...(['1', 'true', '{}', '[]', 'null', '["{ __typename }"]'] as const).map((value) => ({ name: `query: ${value}`, body: `{"query":${value}}` })),
    ...(['"x"', '1', '[1]', 'true', '"{\\"a\\":1}"'] as const).map((value) => ({ name: `variables: ${value}`, body: `{"query":"{ __typename }","variables":${value}}` })),
    ...(['"x"', '1', '[1]', 'true'] as const).map((value) => ({ name: `extensions: ${value}`, body: `{"query":"{ __typename }","extensions":${value}}` })),
    ...(['5', '{}', '[]', 'true', '"Nope"'] as const).map((value) => ({
      name: `operationName: ${value}`,
      body: `{"query":"query A { __typename }","operationName":${value}}`,
      code: 'OPERATION_RESOLUTION_FAILURE',
    })),
  ];
  table('a body of the wrong shape is refused', wrongShapes, (c) => c.name, async ({ body, code = 'BAD_REQUEST' }) => {
    const answer = await postGraphQL(dev.url, body, { token: dev.admin, raw: true });
    expectCode(answer, code, { status: [200, 400] });
  });

  const tooLarge: { name: string; payload: () => unknown }[] = [
    { name: 'a 1 MiB query', payload: () => ({ query: `{ __typename ${'#'.repeat(BODY_LIMIT)} }` }) },
    { name: '1 MiB of variables', payload: () => ({ query: '{ __typename }', variables: { x: 'a'.repeat(BODY_LIMIT) } }) },
    { name: '1 MiB of whitespace', payload: () => ({ query: `${' '.repeat(BODY_LIMIT)}{ __typename }` }) },
    { name: '1 MiB of extensions', payload: () => ({ query: '{ __typename }', extensions: { x: 'a'.repeat(BODY_LIMIT) } }) },
    { name: 'a 1.2 MiB message', payload: () => ({ query: 'mutation($m: String!) { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: $m}) { id } }', variables: { m: HOSTILE.repeat(Math.ceil((1.2 * BODY_LIMIT) / HOSTILE.length)) } }) },
    { name: '60 000 variables', payload: () => ({ query: '{ __typename }', variables: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`variable${i}`, i])) }) },
  ];
  table('a body over the limit is 413 PAYLOAD_TOO_LARGE', tooLarge, (c) => c.name, async ({ payload }) => {
    expectCode(await postGraphQL(dev.url, payload(), { token: dev.admin }), 'PAYLOAD_TOO_LARGE', { status: 413 });
  });

  const lyingHeaders = (length: string, body = '{"query":"{ __typename }"}') =>
    `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAuthorization: Bearer TOKEN\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`;
  const rawCases: { name: string; bytes: string; status: number; code?: string }[] = [
    { name: 'Content-Length says 2 MB, body is tiny', bytes: lyingHeaders('2000000'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'Content-Length says 10 GB', bytes: lyingHeaders('10000000000', '{'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'Content-Length beyond 2^53', bytes: lyingHeaders('9007199254740993', '{'), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { name: 'chunked transfer encoding', bytes: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer TOKEN\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n1a\r\n{"query":"{ __typename }"}\r\n0\r\n\r\n`, status: 411, code: 'LENGTH_REQUIRED' },
    { name: 'an unknown transfer encoding', bytes: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n`, status: 411, code: 'LENGTH_REQUIRED' },
    { name: 'Content-Length that is no number', bytes: lyingHeaders('abc'), status: 400 },
    { name: 'a negative Content-Length', bytes: lyingHeaders('-1'), status: 400 },
    { name: 'two different Content-Lengths', bytes: lyingHeaders('5\r\nContent-Length: 6'), status: 400 },
    { name: 'Content-Length and chunked together (smuggling)', bytes: `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`, status: 400 },
    { name: 'a control character in a header name', bytes: `GET /health HTTP/1.1\r\nHost: x\r\nX-A\u0001: b\r\nConnection: close\r\n\r\n`, status: 400 },
    { name: 'a garbage request line', bytes: `GARBAGE\r\n\r\n`, status: 400 },
    { name: 'HTTP/1.1 without Host', bytes: `GET /health HTTP/1.1\r\nConnection: close\r\n\r\n`, status: 400 },
    { name: 'a 20 KiB header', bytes: `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`, status: 431 },
    { name: '3000 headers', bytes: `GET /health HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('')}Connection: close\r\n\r\n`, status: 431 },
  ];
  table('raw HTTP abuse is refused before any GraphQL', rawCases, (c) => c.name, async ({ bytes, status, code }) => {
    const answer = await rawHttp(dev.url, bytes.replace('TOKEN', dev.admin));
    expect(answer.status, answer.head).toBe(status);
    if (code) {
      expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code } }] });
      expect(answer.head.toLowerCase()).toContain('x-content-type-options: nosniff');
    }
  });

  hostile('a chunked POST from fetch (no Content-Length) is 411 LENGTH_REQUIRED', async () => {
    const answer = await request(dev.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      body: new Blob([JSON.stringify({ query: '{ __typename }' })]).stream(),
      duplex: 'half',
    });
    expectCode(answer, 'LENGTH_REQUIRED', { status: 411 });
  });

  const mediaTypes = ['text/plain', 'application/xml', 'application/octet-stream', 'application/jsonx', 'image/png', null] as const;
  table('an unsupported media type is 415 with code UNSUPPORTED_MEDIA_TYPE', mediaTypes, (c) => String(c), async (type) => {
    const answer = await request(dev.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${dev.admin}`, ...(type && { 'content-type': type }) },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(answer.status).toBe(415);
    expectCode(answer, 'UNSUPPORTED_MEDIA_TYPE', { status: 415 });
  });

  const methods: { method: string; url: () => string; body?: string }[] = [
    { method: 'PUT', url: () => dev.url, body: '{"query":"{ __typename }"}' },
    { method: 'PATCH', url: () => dev.url, body: '{"query":"{ __typename }"}' },
    { method: 'DELETE', url: () => dev.url },
    { method: 'GET (a mutation)', url: () => `${dev.url}?query=${encodeURIComponent(`mutation { markAllNotificationsRead(userId: "3") { unreadCount } }`)}` },
    { method: 'GET (a mutation by operationName)', url: () => `${dev.url}?operationName=M&query=${encodeURIComponent(`query Q { __typename } mutation M { markAllNotificationsRead(userId: "3") { unreadCount } }`)}` },
  ];
  table('a method GraphQL does not take is 405', methods, (c) => c.method, async ({ method, url, body }) => {
    const answer = await request(url(), {
      method: method.split(' ')[0]!,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${dev.admin}` },
      ...(body && { body }),
    });
    expectCode(answer, 'BAD_REQUEST', { status: 405, alsoAllowed: ['METHOD_NOT_ALLOWED'] });
  });

  const attack = `mutation { markAllNotificationsRead(userId: "3") { unreadCount } }`;
  const csrf: { name: string; init: () => RequestInit & { url?: string } }[] = [
    { name: 'a form post', init: () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(attack)}` }) },
    { name: 'a multipart form post', init: () => ({ method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: attack })}\r\n--x--\r\n` }) },
    { name: 'a text/plain post carrying JSON', init: () => ({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: attack }) }) },
    { name: 'a post with no content type', init: () => ({ method: 'POST', body: JSON.stringify({ query: attack }) }) },
    { name: 'a GET query from an image tag', init: () => ({ method: 'GET', url: `${dev.url}?query=${encodeURIComponent('{ unreadCount(userId: "3") }')}` }) },
    { name: 'a GET mutation from a link', init: () => ({ method: 'GET', url: `${dev.url}?query=${encodeURIComponent(attack)}` }) },
    { name: 'a form post with an evil Origin', init: () => ({ method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' }, body: `query=${encodeURIComponent(attack)}` }) },
    { name: 'a text/plain post with a harmless custom header', init: () => ({ method: 'POST', headers: { 'content-type': 'text/plain', 'x-requested-with': 'XMLHttpRequest' }, body: JSON.stringify({ query: attack }) }) },
  ];
  table('a cross-site simple request is 403 FORBIDDEN (CSRF)', csrf, (c) => c.name, async ({ init }) => {
    const { url = dev.url, ...rest } = init();
    expectCode(await request(url, rest), 'FORBIDDEN', { status: 403 });
  });

  aftermath(() => dev);
});

// =============================================================================================
// B. GraphQL documents: parse, validation, depth, width, aliases, fragments, directives, tokens, cost

describe('B. GraphQL documents', () => {
  const parseErrors = [
    '{',
    '}',
    '{ __typename',
    'query',
    'query {',
    '{ unreadCount(: 1) }',
    '{ unreadCount(userId: ) }',
    '{ __typename } }',
    '\u0001',
    'fragment',
    '{ ... }',
    '{ __typename @ }',
    'query($: Int) { __typename }',
    '{ unreadCount(userId: "\\u12") }',
    '{ unreadCount(userId: 1.) }',
    '{ unreadCount(userId: 0x10) }',
    '{ unreadCount(userId: """unterminated) }',
    'subscription',
    'mutation { }',
    '{ unreadCount(userId: "\\ud800") }',
    '{ unreadCount(userId: "line\nbreak") }',
    '"just a string"',
    '{ a: b: c }',
    `{ ${'('.repeat(50)} }`,
  ];
  table('a document that does not parse is GRAPHQL_PARSE_FAILED', parseErrors, (c) => JSON.stringify(c).slice(0, 60), async (query) => {
    expectCode(await gql(dev, query), 'GRAPHQL_PARSE_FAILED', { status: [200, 400] });
  });

  const invalid = [
    '{ nope }',
    '{ unreadCount(nope: 1) }',
    '{ notifications(userId: "2", first: "ten") { totalCount } }',
    '{ user { id } }',
    'query($u: ID) { __typename }',
    '{ unreadCount(userId: $undefined) }',
    '{ ...Missing }',
    'query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
    'subscription { notificationAdded(userId: "2") { id } notificationsChanged(userId: "2") { ids } }',
    '{ unreadCount(userId: "2") { x } }',
    '{ me }',
    '{ __typename @nope }',
    '{ __typename @include(if: true) @include(if: true) }',
    '{ me { ... on Notification { id } } }',
    'fragment F on Query { __typename } { __typename }',
    '{ notifications(userId: "2", filter: { kind: [NOPE] }) { totalCount } }',
    '{ notifications(userId: "2", filter: { nope: 1 }) { totalCount } }',
    'mutation { sendNotification(input: { recipientId: "2", kind: FOLLOW }) { id } }',
    'query($i: SendNotificationInput) { __typename(x: $i) }',
  ];
  table('a document that does not fit the schema is GRAPHQL_VALIDATION_FAILED', invalid, (c) => c.slice(0, 70), async (query) => {
    expectCode(await gql(dev, query), 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400] });
  });

  const unresolvable = [
    '{ __typename } { __typename }',
    'query A { __typename } query A { __typename }',
    'query A { __typename } mutation B { markAllNotificationsRead(userId: "3") { unreadCount } }',
  ];
  table('a document with no single operation to run is refused', unresolvable, (c) => c.slice(0, 70), async (query) => {
    expectCode(await gql(dev, query), ['OPERATION_RESOLUTION_FAILURE', 'GRAPHQL_VALIDATION_FAILED'], { status: [200, 400] });
  });

  // graphql-js bounds introspection's own cycles (fields → type → fields …); depth limits leave introspection to it.
  const typeCycle = (levels: number): string =>
    levels === 0 ? 'name' : `name fields { type { ${typeCycle(levels - 1)} } } interfaces { ${typeCycle(levels - 1)} } possibleTypes { ${typeCycle(levels - 1)} }`;
  const introspectionBombs = [
    { name: 'types → fields → type, 4 cycles', query: `{ __schema { types { ${typeCycle(4)} } } }` },
    { name: '__type → possibleTypes → interfaces, 4 cycles', query: `{ __type(name: "NotificationContent") { ${typeCycle(4)} } }` },
    { name: 'inputFields → type → inputFields', query: `{ __schema { types { inputFields { type { inputFields { type { inputFields { type { inputFields { type { name } } } } } } } } } } }` },
  ];
  table('an introspection cycle bomb is refused (development)', introspectionBombs, (c) => c.name, async ({ query }) => {
    expectCode(await gql(dev, query), 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400], alsoAllowed: ['QUERY_TOO_COMPLEX'] });
  });

  const nestInline = (levels: number) => `{ ${'... on Query { '.repeat(levels)}__typename${' }'.repeat(levels)} }`;
  const nestSpread = (levels: number) => `{ ${'... { '.repeat(levels)}__typename${' }'.repeat(levels)} }`;
  const namedChain = (levels: number) =>
    `{ ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ... on Query { ${i + 1 < levels ? `...F${i + 1}` : '__typename'} } }`).join(' ')}`;
  const deep = [
    { name: 'inline fragments 11 deep', query: nestInline(11) },
    { name: 'inline fragments 20 deep', query: nestInline(20) },
    { name: 'inline fragments 300 deep', query: nestInline(300) },
    { name: 'bare spreads 1000 deep', query: nestSpread(1000) },
    { name: 'bare spreads 1240 deep', query: nestSpread(1240) },
    { name: 'a chain of 30 named fragments', query: namedChain(30) },
    { name: 'fields 1000 deep', query: `{ ${'a { '.repeat(1000)}b${' }'.repeat(1000)} }` },
    { name: 'fields 1600 deep', query: `{ ${'a { '.repeat(1600)}b${' }'.repeat(1600)} }` },
  ];
  table('a deep document is QUERY_TOO_COMPLEX', deep, (c) => c.name, async ({ query }) => {
    expectCode(await gql(dev, query), 'QUERY_TOO_COMPLEX', { status: [200, 400], alsoAllowed: ['GRAPHQL_VALIDATION_FAILED'] });
  });

  // Value literals nested deep, under the token limit: graphql-js parses them recursively.
  const deepLiterals = [
    { name: 'a list literal 1000 deep', query: `{ unreadCount(userId: ${'['.repeat(1000)}"2"${']'.repeat(1000)}) }` },
    { name: 'a list literal 2490 deep', query: `{ unreadCount(userId: ${'['.repeat(2490)}"2"${']'.repeat(2490)}) }` },
    { name: 'an object literal 1240 deep', query: `{ notifications(userId: "2", filter: ${'{a: '.repeat(1240)}1${'}'.repeat(1240)}) { totalCount } }` },
    { name: 'a JSON data literal 2490 deep', query: `mutation { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "${HOSTILE}", data: ${'['.repeat(2490)}1${']'.repeat(2490)}}) { id } }` },
    { name: 'a variable type 2490 lists deep', query: `query($a: ${'['.repeat(2490)}Int${']'.repeat(2490)}) { __typename }` },
  ];
  table(
    'a deep value literal is refused with a client code, never INTERNAL_SERVER_ERROR',
    deepLiterals,
    (c) => c.name,
    async ({ query }) => {
      const answer = await gql(dev, query);
      const context = answer.text.slice(0, 300);
      expectCleanErrors(answer.body?.errors, context);
      for (const code of codesOf(answer.body)) expect(['QUERY_TOO_COMPLEX', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT'], context).toContain(code);
    },
  );

  const aliases = (n: number) => `{ me { ${Array.from({ length: n }, (_, i) => `a${i}: id`).join(' ')} } }`;
  const rootFields = (n: number) => `{ ${Array.from({ length: n }, () => '__typename').join(' ')} }`;
  const inlineRoots = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `... on Query { u${i}: unreadCount(userId: "2") }`).join(' ')} }`;
  const spreadRoots = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `...R${i}`).join(' ')} } ${Array.from({ length: n }, (_, i) => `fragment R${i} on Query { __typename }`).join(' ')}`;
  const directives = (n: number) => `{ me { ${Array.from({ length: n }, () => '... @include(if: true) { id }').join(' ')} } }`;
  const fragmentBomb = (n: number) =>
    `query { me { ...F${n} } } fragment F0 on User { id } ${Array.from({ length: n }, (_, i) => `fragment F${i + 1} on User { ...F${i} ...F${i} }`).join(' ')}`;
  const rootBomb = (n: number) =>
    `query { ...Q${n} } fragment Q0 on Query { me { id } } ${Array.from({ length: n }, (_, i) => `fragment Q${i + 1} on Query { ...Q${i} ...Q${i} }`).join(' ')}`;
  const costly = (n: number) =>
    `{ ${Array.from({ length: n }, (_, i) => `n${i}: notifications(userId: "2", first: 100) { edges { node { sender { id name } recipient { id name } } } nodes { sender { id } } }`).join(' ')} }`;
  const wide: { name: string; query: string; codes?: string[] }[] = [
    { name: '16 aliases', query: aliases(16) },
    { name: '100 aliases', query: aliases(100) },
    { name: '1000 aliases', query: aliases(1000) },
    { name: '11 root fields', query: rootFields(11) },
    { name: '500 root fields', query: rootFields(500) },
    { name: '11 root fields in inline fragments', query: inlineRoots(11) },
    { name: '11 root fields through named fragments', query: spreadRoots(11) },
    { name: '21 directives', query: directives(21) },
    { name: '200 directives', query: directives(200) },
    { name: `5001 tokens`, query: rootFields(5001) },
    { name: 'a token flood of punctuation', query: `{ __typename ${'@a '.repeat(2600)}}` },
    { name: '1700 variable definitions', query: `query(${Array.from({ length: 1700 }, (_, i) => `$v${i}: Int`).join(' ')}) { __typename }` },
    { name: 'a fragment bomb (2^10)', query: fragmentBomb(10) },
    { name: 'a fragment bomb (2^40)', query: fragmentBomb(40) },
    { name: 'a root fragment bomb (2^30)', query: rootBomb(30) },
    { name: 'cost: 6 inboxes of 100 with users', query: costly(6) },
    { name: 'cost: a page of 2^31-1', query: `{ notifications(userId: "2", first: 2147483647) { nodes { id sender { id } } } }` },
    // graphql-js gives up after 100 errors ("Validation aborted."): refused all the same.
    { name: '2000 copies of one field', query: `{ me { ${'id '.repeat(2000)}} }`, codes: ['QUERY_TOO_COMPLEX', 'GRAPHQL_VALIDATION_FAILED'] },
    { name: '900 overlapping inline fragments', query: `{ me { ${'... on User { id } '.repeat(900)}} }` },
  ];
  table('a wide or bombed document is QUERY_TOO_COMPLEX', wide, (c) => c.name, async ({ query, codes = ['QUERY_TOO_COMPLEX'] }) => {
    const started = Date.now();
    expectCode(await gql(dev, query), codes, { status: [200, 400], alsoAllowed: ['GRAPHQL_VALIDATION_FAILED'] });
    expect(Date.now() - started, 'the refusal took too long').toBeLessThan(2000);
  });

  const mega = 'x'.repeat(900_000);
  const huge: { name: string; query: () => string; code: string }[] = [
    { name: 'a 900 KB field name', query: () => `{ ${mega} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB argument name', query: () => `{ unreadCount(${mega}: 1) }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB fragment name', query: () => `{ ...${mega} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB directive name', query: () => `{ __typename @${mega} }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB type condition', query: () => `{ ... on ${mega} { __typename } }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB enum value', query: () => `{ notifications(filter: { kind: [${mega}] }) { totalCount } }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB variable type', query: () => `query($v: ${mega}) { __typename }`, code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a 900 KB string argument', query: () => `{ unreadCount(userId: "${mega}") }`, code: 'BAD_USER_INPUT' },
    { name: 'a 900 KB unterminated string', query: () => `{ unreadCount(userId: "${mega} }`, code: 'GRAPHQL_PARSE_FAILED' },
    { name: 'a 900 KB block string message', query: () => `mutation { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: """${HOSTILE}${mega}"""}) { id } }`, code: 'BAD_USER_INPUT' },
  ];
  table('a huge name or string is refused with a short message', huge, (c) => c.name, async ({ query, code }) => {
    expectCode(await gql(dev, query()), code, { status: [200, 400] });
  });

  const WRONG_VARIABLES: { name: string; query: string; variables: Record<string, unknown> }[] = [
    { name: 'a string for Int', query: 'query($n: Int) { notifications(userId: "2", first: $n) { totalCount } }', variables: { n: 'ten' } },
    { name: 'a float for Int', query: 'query($n: Int) { notifications(userId: "2", first: $n) { totalCount } }', variables: { n: 1.5 } },
    { name: 'an Int over 2^31', query: 'query($n: Int) { notifications(userId: "2", first: $n) { totalCount } }', variables: { n: 2 ** 31 } },
    { name: 'an object for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: { id: '2' } } },
    { name: 'a float for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: 2.5 } },
    { name: 'true for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: true } },
    { name: 'an array for ID', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: ['2'] } },
    { name: 'null for a required ID', query: 'query($u: ID!) { unreadCount(userId: $u) }', variables: { u: null } },
    { name: 'a required ID left out', query: 'query($u: ID!) { unreadCount(userId: $u) }', variables: {} },
    { name: 'an unknown enum value', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { kind: ['NOPE'] } } },
    { name: 'a lower-case enum value', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { status: ['unread'] } } },
    { name: 'a number for an enum', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { kind: [1] } } },
    { name: 'an unknown input field', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: { owner: '3' } } },
    { name: 'a string for an input object', query: 'query($f: NotificationFilter) { notifications(userId: "2", filter: $f) { totalCount } }', variables: { f: 'UNREAD' } },
    { name: 'an object for a String', query: 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }', variables: { i: { senderId: '1', recipientId: '3', kind: 'FOLLOW', message: { text: HOSTILE } } } },
    { name: 'a number for an enum in an input', query: 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }', variables: { i: { senderId: '1', recipientId: '3', kind: 1, message: HOSTILE } } },
    { name: 'null for a required input field', query: 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }', variables: { i: { senderId: '1', recipientId: null, kind: 'FOLLOW', message: HOSTILE } } },
    { name: 'a list of 10 000 nulls for [ID!]!', query: 'mutation($ids: [ID!]!) { markNotificationsRead(userId: "3", ids: $ids) { unreadCount } }', variables: { ids: Array.from({ length: 10_000 }, () => null) } },
  ];
  table('a variable of the wrong type is BAD_USER_INPUT', WRONG_VARIABLES, (c) => c.name, async ({ query, variables }) => {
    expectCode(await gql(dev, query, variables), 'BAD_USER_INPUT', { status: [200, 400] });
  });

  aftermath(() => dev);
});

// =============================================================================================
// C. Domain input: messages, links, data, ids, text that cannot be stored

describe('C. domain input', () => {
  const SEND = `mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }`;
  const base = { senderId: '1', recipientId: '3', kind: 'FOLLOW', message: `${HOSTILE}: a refused send` };
  const nest = (levels: number, leaf: unknown = 1): unknown => {
    let value = leaf;
    for (let i = 0; i < levels; i += 1) value = i % 2 ? [value] : { a: value };
    return value;
  };
  const sends: { name: string; input: () => Record<string, unknown>; field: string }[] = [
    { name: 'a message of 2001 characters', input: () => ({ message: HOSTILE + 'x'.repeat(2001 - HOSTILE.length) }), field: 'message' },
    { name: 'a message of 2001 emoji (4002 UTF-16 units)', input: () => ({ message: HOSTILE + '😀'.repeat(2001 - HOSTILE.length) }), field: 'message' },
    { name: 'a message of 2001 combining marks', input: () => ({ message: HOSTILE + '\u0301'.repeat(2001 - HOSTILE.length) }), field: 'message' },
    { name: 'a message of 500 000 characters', input: () => ({ message: HOSTILE.repeat(Math.ceil(500_000 / HOSTILE.length)) }), field: 'message' },
    { name: 'an empty message', input: () => ({ message: '', idempotencyKey: HOSTILE }), field: 'message' },
    { name: 'a message of only whitespace', input: () => ({ message: ' \n\t\u3000 ', idempotencyKey: HOSTILE }), field: 'message' },
    { name: 'NUL in the message', input: () => ({ message: `${HOSTILE}\u0000` }), field: 'message' },
    { name: 'a lone high surrogate in the message', input: () => ({ message: `${HOSTILE}\ud800` }), field: 'message' },
    { name: 'a lone low surrogate in the message', input: () => ({ message: `${HOSTILE}\udc00x` }), field: 'message' },
    { name: 'a javascript: link', input: () => ({ link: 'javascript:alert(1)' }), field: 'link' },
    { name: 'a JaVaScRiPt: link with spaces', input: () => ({ link: ' JaVaScRiPt:alert(1)' }), field: 'link' },
    { name: 'a data: link', input: () => ({ link: 'data:text/html,<script>alert(1)</script>' }), field: 'link' },
    { name: 'a vbscript: link', input: () => ({ link: 'vbscript:msgbox(1)' }), field: 'link' },
    { name: 'a file: link', input: () => ({ link: 'file:///etc/passwd' }), field: 'link' },
    { name: 'an ftp: link', input: () => ({ link: 'ftp://evil.example/x' }), field: 'link' },
    { name: 'a protocol-relative link', input: () => ({ link: '//evil.example/x' }), field: 'link' },
    { name: 'a backslash link', input: () => ({ link: '/\\evil.example' }), field: 'link' },
    { name: 'a tab-broken link', input: () => ({ link: '/\t/evil.example' }), field: 'link' },
    { name: 'a newline-broken link', input: () => ({ link: '/\n/evil.example' }), field: 'link' },
    { name: 'http:/ with one slash', input: () => ({ link: 'http:/evil.example' }), field: 'link' },
    { name: 'a relative link without slash', input: () => ({ link: 'evil.example/x' }), field: 'link' },
    { name: 'a link of 3000 characters', input: () => ({ link: `https://app.example/${'a'.repeat(3000)}` }), field: 'link' },
    { name: 'NUL in the link', input: () => ({ link: '/posts/\u0000' }), field: 'link' },
    { name: 'data over 16 KiB', input: () => ({ data: { blob: 'x'.repeat(17 * 1024) } }), field: 'data' },
    { name: 'data of 16 KiB multi-byte characters', input: () => ({ data: { blob: 'é'.repeat(9000) } }), field: 'data' },
    { name: 'data nested 33 deep', input: () => ({ data: nest(33) }), field: 'data' },
    { name: 'data nested 1000 deep', input: () => ({ data: nest(1000) }), field: 'data' },
    { name: 'NUL in a data key', input: () => ({ data: { 'a\u0000': 1 } }), field: 'data' },
    { name: 'NUL in a data value', input: () => ({ data: { a: ['\u0000'] } }), field: 'data' },
    { name: 'a lone surrogate in a data key', input: () => ({ data: { '\ud800': 1 } }), field: 'data' },
    { name: 'a lone surrogate deep in data', input: () => ({ data: { a: { b: [1, { c: '\udfff' }] } } }), field: 'data' },
    { name: 'a recipient id with spaces', input: () => ({ recipientId: 'two words' }), field: 'recipientId' },
    { name: 'a path-traversal recipient id', input: () => ({ recipientId: '../etc/passwd' }), field: 'recipientId' },
    { name: 'a recipient id of 65 characters', input: () => ({ recipientId: 'a'.repeat(65) }), field: 'recipientId' },
    { name: 'a non-ASCII recipient id', input: () => ({ recipientId: 'é' }), field: 'recipientId' },
    { name: 'an empty recipient id', input: () => ({ recipientId: '' }), field: 'recipientId' },
    { name: 'a recipient id with NUL', input: () => ({ recipientId: '3\u0000' }), field: 'recipientId' },
    { name: 'a SQL-ish sender id', input: () => ({ senderId: "1' OR '1'='1" }), field: 'senderId' },
    { name: 'a sender on a SYSTEM notification', input: () => ({ kind: 'SYSTEM' }), field: 'senderId' },
    { name: 'no sender on a FOLLOW', input: () => ({ senderId: null }), field: 'senderId' },
    { name: 'an idempotency key of 256 characters', input: () => ({ idempotencyKey: 'k'.repeat(256) }), field: 'idempotencyKey' },
    { name: 'an empty idempotency key', input: () => ({ idempotencyKey: '' }), field: 'idempotencyKey' },
    { name: 'NUL in the idempotency key', input: () => ({ idempotencyKey: 'k\u0000' }), field: 'idempotencyKey' },
    { name: 'a lone surrogate in the idempotency key', input: () => ({ idempotencyKey: 'k\ud800' }), field: 'idempotencyKey' },
  ];
  table('a send with bad input is BAD_USER_INPUT naming the field', sends, (c) => c.name, async ({ input, field }) => {
    expectCode(await gql(dev, SEND, { i: { ...base, ...input() } }), 'BAD_USER_INPUT', { field });
  });

  const literal = (data: string) => `mutation { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "${HOSTILE}", data: ${data}}) { id } }`;
  const literals: { name: string; query: string; field?: string }[] = [
    { name: 'a data literal nested 33 deep', query: literal(`${'{a: '.repeat(33)}1${'}'.repeat(33)}`) },
    { name: 'a data list literal nested 40 deep', query: literal(`${'['.repeat(40)}1${']'.repeat(40)}`) },
    { name: 'a data literal holding a variable', query: `mutation($x: String) { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "${HOSTILE}", data: {a: $x}}) { id } }` },
    { name: 'a data literal holding an enum', query: literal('{a: FOLLOW}') },
    { name: 'NUL in a data literal', query: literal('{a: "\\u0000"}'), field: 'data' },
    { name: 'NUL in a message literal', query: `mutation { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "${HOSTILE}\\u0000"}) { id } }`, field: 'message' },
    { name: 'a data literal over 16 KiB', query: literal(`{a: "${'x'.repeat(17 * 1024)}"}`), field: 'data' },
  ];
  table('a bad JSON literal is BAD_USER_INPUT', literals, (c) => c.name, async ({ query, field }) => {
    expectCode(await gql(dev, query), 'BAD_USER_INPUT', { status: [200, 400], ...(field && { field }) });
  });

  const MARK = (field: string) => `mutation($u: ID, $ids: [ID!]!) { ${field}(userId: $u, ids: $ids) { unreadCount } }`;
  const idCases: { name: string; mutation: string; ids: () => string[] }[] = [
    { name: 'a word for an id', mutation: 'markNotificationsRead', ids: () => ['nope'] },
    { name: 'a UUID with braces', mutation: 'markNotificationsUnread', ids: () => ['{0f8fad5b-d9cb-469f-a165-70867728950e}'] },
    { name: 'a UUID without dashes', mutation: 'archiveNotifications', ids: () => ['0f8fad5bd9cb469fa16570867728950e'] },
    { name: 'a UUID with a trailing NUL', mutation: 'deleteNotifications', ids: () => ['0f8fad5b-d9cb-469f-a165-70867728950e\u0000'] },
    { name: 'a UUID with a trailing newline', mutation: 'deleteNotifications', ids: () => ['0f8fad5b-d9cb-469f-a165-70867728950e\n'] },
    { name: 'an SQL injection', mutation: 'markNotificationsRead', ids: () => ["' OR 1=1 --"] },
    { name: 'an empty list', mutation: 'archiveNotifications', ids: () => [] },
    { name: '1001 ids', mutation: 'deleteNotifications', ids: () => Array.from({ length: 1001 }, () => '0f8fad5b-d9cb-469f-a165-70867728950e') },
    { name: 'a 100 KB id', mutation: 'markNotificationsRead', ids: () => ['a'.repeat(100_000)] },
  ];
  table('a malformed notification id is BAD_USER_INPUT', idCases, (c) => `${c.mutation} with ${c.name}`, async ({ mutation, ids }) => {
    expectCode(await gql(dev, MARK(mutation), { u: '3', ids: ids() }), 'BAD_USER_INPUT', { field: 'ids' });
  });

  const otherInput: { name: string; query: string; variables?: Record<string, unknown>; field: string }[] = [
    { name: 'a malformed user id in unreadCount', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: 'two words' }, field: 'userId' },
    { name: 'NUL in a user id', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: { u: '3\u0000' }, field: 'userId' },
    { name: 'a malformed cursor', query: '{ notifications(userId: "3", after: "not-a-cursor") { totalCount } }', field: 'after' },
    { name: 'a cursor holding NUL', query: 'query($c: String) { notifications(userId: "3", before: $c) { totalCount } }', variables: { c: Buffer.from('n:1\u0000').toString('base64url') }, field: 'before' },
    { name: 'a cursor beyond 2^53', query: 'query($c: String) { notifications(userId: "3", after: $c) { totalCount } }', variables: { c: Buffer.from('n:99999999999999999').toString('base64url') }, field: 'after' },
    { name: 'a negative page size', query: '{ notifications(userId: "3", first: -1) { totalCount } }', field: 'first' },
    { name: 'a page of 101', query: '{ notifications(userId: "3", last: 101) { totalCount } }', field: 'last' },
    { name: 'NUL in a user name', query: 'mutation { upsertUser(id: "x1", name: "a\\u0000") { id } }', field: 'name' },
    { name: 'a user name of 201 characters', query: 'mutation($n: String!) { upsertUser(id: "x1", name: $n) { id } }', variables: { n: 'n'.repeat(201) }, field: 'name' },
    { name: 'a blank user name', query: 'mutation { upsertUser(id: "x1", name: "   ") { id } }', field: 'name' },
    { name: 'a malformed id in upsertUser', query: 'mutation { upsertUser(id: "a b", name: "x") { id } }', field: 'id' },
    { name: 'a batch of 1001', query: SEND_MANY, variables: { inputs: Array.from({ length: 1001 }, () => base) }, field: 'inputs' },
  ];
  table('other bad input is BAD_USER_INPUT naming the field', otherInput, (c) => c.name, async ({ query, variables = {}, field }) => {
    expectCode(await gql(dev, query, variables), 'BAD_USER_INPUT', { field });
  });

  hostile('upper-case UUIDs are taken as their lower-case form', async () => {
    const [id] = await sendAndStore(dev, [{ senderId: '1', recipientId: 'sink', kind: 'LIKE', message: 'a like for the sink' }]);
    const upper = id!.toUpperCase();
    const marked = await gql(dev, MARK('markNotificationsRead'), { u: 'sink', ids: [upper] });
    expect(marked.body?.errors, marked.text).toBeUndefined();
    expect(marked.body?.data).toEqual({ markNotificationsRead: { unreadCount: 0 } });
    // An upper-case id that does not exist is "not found", not "malformed".
    const unknown = await gql(dev, MARK('markNotificationsRead'), { u: 'sink', ids: ['0F8FAD5B-D9CB-469F-A165-70867728950E'] });
    expectCode(unknown, 'NOTIFICATION_NOT_FOUND');
  });

  aftermath(() => dev);
});

// =============================================================================================
// D. Identity: forged tokens on every transport, other users' tokens, scopes

describe('D. identity', () => {
  const ME = '{ me { id } }';
  const LIVE = 'subscription { notificationAdded { id } }';
  let tokens: ForgedToken[] = [];
  beforeAll(async () => {
    tokens = await forgedTokens();
  });
  // The table needs names at collection time; the tokens themselves are made in beforeAll.
  const names = [
    'alg none (hand-made)',
    'alg none admin (jose UnsecuredJWT)',
    'alg none with a signature kept',
    'wrong secret',
    'wrong secret, admin scope',
    'empty secret guess',
    'HS512 with the right secret',
    'HS384 with the right secret',
    'expired a minute ago',
    'expired admin',
    'not valid before an hour from now',
    'exp as a string',
    'no subject',
    'empty subject',
    'numeric subject',
    'subject that is no user id',
    'payload swapped to user 3 (signature of user 2)',
    'payload swapped to admin scope',
    'signature truncated',
    'signature removed',
    'two parts',
    'garbage',
    'header not JSON',
    'over 8 KiB',
  ];
  const tokenNamed = (name: string) => {
    const found = tokens.find((token) => token.name === name);
    if (!found) throw new Error(`no forged token named ${name}`);
    return found.token;
  };

  table('HTTP refuses a forged token with 401 UNAUTHENTICATED', names, (name) => name, async (name) => {
    const answer = await gql(dev, ME, {}, tokenNamed(name));
    expectCode(answer, 'UNAUTHENTICATED', { status: 401 });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  table('SSE refuses a forged token with 401 UNAUTHENTICATED', names, (name) => name, async (name) => {
    const answer = await sseFirst(dev.url, LIVE, {}, { authorization: `Bearer ${tokenNamed(name)}` });
    expect(answer.status).toBe(401);
    expectCleanErrors(answer.first?.errors, JSON.stringify(answer));
    expect(codesOf(answer.first)).toEqual(['UNAUTHENTICATED']);
    expect(answer.completed).toBe(true);
  });

  table('graphql-ws refuses a forged token with close 4403', names, (name) => name, async (name) => {
    const session = wsSession(dev.wsUrl);
    await session.opened;
    session.send({ type: 'connection_init', payload: { authorization: `Bearer ${tokenNamed(name)}` } });
    expectClosed(await session.ended, 4403);
  });

  const headerForms: { name: string; value: (valid: string) => string | null }[] = [
    { name: 'no Authorization header', value: () => null },
    { name: 'an empty header', value: () => '' },
    { name: '"Bearer" alone', value: () => 'Bearer' },
    { name: '"Bearer " with nothing after', value: () => 'Bearer ' },
    { name: 'Basic credentials', value: () => `Basic ${Buffer.from('admin:admin').toString('base64')}` },
    { name: 'a Token scheme', value: (valid) => `Token ${valid}` },
    { name: 'the bare token', value: (valid) => valid },
    { name: 'a token and trailing words', value: (valid) => `Bearer ${valid} admin` },
    { name: 'two bearer tokens', value: (valid) => `Bearer ${valid}, Bearer ${valid}` },
    { name: 'a tab instead of a space', value: (valid) => `Bearer\t${valid}` },
    { name: 'a 15 KB header', value: () => `Bearer ${'a'.repeat(15_000)}` },
  ];
  table('HTTP refuses a malformed Authorization header with 401', headerForms, (c) => c.name, async ({ value }) => {
    const header = value(await userToken('2'));
    const answer = await postGraphQL(dev.url, { query: ME }, { token: null, headers: header === null ? { 'x-graphql-csrf': '1' } : { authorization: header } });
    expectCode(answer, 'UNAUTHENTICATED', { status: 401 });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  const initPayloads: { name: string; payload: (valid: string) => unknown; close: number }[] = [
    { name: 'no payload', payload: () => undefined, close: 4403 },
    { name: 'an empty payload', payload: () => ({}), close: 4403 },
    { name: 'authorization as a number', payload: () => ({ authorization: 5 }), close: 4403 },
    { name: 'authorization as a list', payload: (valid) => ({ authorization: [`Bearer ${valid}`] }), close: 4403 },
    { name: 'authorization as an object', payload: (valid) => ({ authorization: { token: valid } }), close: 4403 },
    { name: '"Bearer " and nothing', payload: () => ({ authorization: 'Bearer ' }), close: 4403 },
    { name: 'Basic credentials', payload: () => ({ authorization: 'Basic YWRtaW46YWRtaW4=' }), close: 4403 },
    { name: 'the token nested in headers', payload: (valid) => ({ headers: { authorization: `Bearer ${valid}` } }), close: 4403 },
    { name: 'a 60 KB token', payload: () => ({ authorization: `Bearer ${'a'.repeat(60_000)}` }), close: 4403 },
    { name: 'a payload that is a string', payload: (valid) => `Bearer ${valid}`, close: 4400 },
    { name: 'a payload that is a list', payload: (valid) => [`Bearer ${valid}`], close: 4400 },
    { name: 'a payload that is a number', payload: () => 42, close: 4400 },
  ];
  table('graphql-ws refuses a bad connection_init payload', initPayloads, (c) => `${c.name} → ${c.close}`, async ({ payload, close }) => {
    const session = wsSession(dev.wsUrl);
    await session.opened;
    const value = payload(await userToken('2'));
    session.send(value === undefined ? { type: 'connection_init' } : { type: 'connection_init', payload: value });
    expectClosed(await session.ended, close);
  });

  // Another user's inbox, named by user 2's token: FORBIDDEN, with one message whether the user exists or not.
  const forbiddenMessages = new Map<string, string>();
  const operations: { name: string; kind: 'http' | 'sse' | 'ws'; query: string; variables: (victimIds: string[]) => Record<string, unknown> }[] = [
    { name: 'notifications', kind: 'http', query: 'query($u: ID) { notifications(userId: $u) { totalCount nodes { message } } }', variables: () => ({}) },
    { name: 'unreadCount', kind: 'http', query: 'query($u: ID) { unreadCount(userId: $u) }', variables: () => ({}) },
    { name: 'user', kind: 'http', query: 'query($u: ID!) { user(id: $u) { id name } }', variables: () => ({}) },
    { name: 'markAllNotificationsRead', kind: 'http', query: 'mutation($u: ID) { markAllNotificationsRead(userId: $u) { unreadCount } }', variables: () => ({}) },
    { name: 'markNotificationsRead', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { markNotificationsRead(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'markNotificationsUnread', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { markNotificationsUnread(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'archiveNotifications', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { archiveNotifications(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'deleteNotifications', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { deleteNotifications(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'notificationAdded over SSE', kind: 'sse', query: 'subscription($u: ID) { notificationAdded(userId: $u, after: "bjow") { id message } }', variables: () => ({}) },
    { name: 'notificationsChanged over SSE', kind: 'sse', query: 'subscription($u: ID) { notificationsChanged(userId: $u) { ids } }', variables: () => ({}) },
    { name: 'notificationAdded over graphql-ws', kind: 'ws', query: 'subscription($u: ID) { notificationAdded(userId: $u, after: "bjow") { id message } }', variables: () => ({}) },
    { name: 'notificationsChanged over graphql-ws', kind: 'ws', query: 'subscription($u: ID) { notificationsChanged(userId: $u) { ids } }', variables: () => ({}) },
  ];
  const targets = ['3', '999', '1', 'sink'] as const;
  const crossCases = operations.flatMap((operation) => targets.map((target) => ({ ...operation, target })));
  table(
    "user 2's token on another user's inbox is FORBIDDEN, the same whether that user exists or not",
    crossCases,
    (c) => `${c.name} of user ${c.target}`,
    async ({ name, kind, query, variables, target }) => {
      const token = await userToken('2');
      const ids = [...dev.expected.get('3')!.keys()];
      const vars = { ...variables(ids), u: target };
      let errors: WireError[] | undefined;
      if (kind === 'http') {
        const answer = await gql(dev, query, vars, token);
        expectCode(answer, 'FORBIDDEN');
        errors = answer.body?.errors;
      } else if (kind === 'sse') {
        const answer = await sseFirst(dev.url, query, vars, { authorization: `Bearer ${token}` });
        errors = answer.first?.errors;
        expect(answer.completed).toBe(true);
      } else {
        const session = await wsConnected(dev.wsUrl, token);
        session.send({ id: 'x', type: 'subscribe', payload: { query, variables: vars } });
        errors = await operationErrors(session, 'x');
        await session.close();
      }
      expectCleanErrors(errors, JSON.stringify(errors));
      expect(errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
      const message = errors![0]!.message;
      const seen = forbiddenMessages.get(name);
      if (seen === undefined) forbiddenMessages.set(name, message);
      else expect(message, 'the message differs between users: ids can be probed').toBe(seen);
    },
  );

  const foreignIdMutations = ['markNotificationsRead', 'markNotificationsUnread', 'archiveNotifications', 'deleteNotifications'];
  table(
    "user 2's own inbox with an id of user 3's is NOTIFICATION_NOT_FOUND, exactly as an unknown id",
    foreignIdMutations,
    (c) => c,
    async (mutation) => {
      const token = await userToken('2');
      const foreign = [...dev.expected.get('3')!.keys()][0]!;
      const unknown = '0f8fad5b-d9cb-469f-a165-70867728950e';
      const query = `mutation($ids: [ID!]!) { ${mutation}(ids: $ids) { unreadCount } }`;
      const [onForeign, onUnknown] = [await gql(dev, query, { ids: [foreign] }, token), await gql(dev, query, { ids: [unknown] }, token)];
      expectCode(onForeign, 'NOTIFICATION_NOT_FOUND');
      expectCode(onUnknown, 'NOTIFICATION_NOT_FOUND');
      const [a, b] = [onForeign.body!.errors![0]!, onUnknown.body!.errors![0]!];
      expect(a.message.replace(foreign, '<id>')).toBe(b.message.replace(unknown, '<id>'));
      expect({ ...a.extensions, id: '<id>' }).toEqual({ ...b.extensions, id: '<id>' });
    },
  );

  const SEND = `mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }`;
  const impersonation: { name: string; run: () => Promise<WireError[] | undefined>; field: string }[] = [
    { name: 'senderId of another user', run: async () => (await gql(dev, SEND, { i: { senderId: '3', recipientId: '4', kind: 'FOLLOW', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'senderId' },
    { name: 'senderId of a user that does not exist', run: async () => (await gql(dev, SEND, { i: { senderId: '999', recipientId: '3', kind: 'FOLLOW', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'senderId' },
    { name: 'kind SYSTEM without a sender', run: async () => (await gql(dev, SEND, { i: { recipientId: '3', kind: 'SYSTEM', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'kind' },
    { name: 'kind SYSTEM with its own sender', run: async () => (await gql(dev, SEND, { i: { senderId: '2', recipientId: '3', kind: 'SYSTEM', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'kind' },
    {
      name: 'senderId of another user over graphql-ws',
      run: async () => {
        const session = await wsConnected(dev.wsUrl, await userToken('2'));
        session.send({ id: 's', type: 'subscribe', payload: { query: SEND, variables: { i: { senderId: '3', recipientId: '4', kind: 'FOLLOW', message: HOSTILE } } } });
        const errors = await operationErrors(session, 's');
        await session.close();
        return errors;
      },
      field: 'senderId',
    },
  ];
  table('a user token sending as someone else is FORBIDDEN', impersonation, (c) => c.name, async ({ run, field }) => {
    const errors = await run();
    expectCleanErrors(errors, JSON.stringify(errors));
    expect(errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(errors![0]!.extensions?.field).toBe(field);
  });

  hostile('a batch item sending as another user fails alone with FORBIDDEN', async () => {
    const answer = await gql(
      dev,
      SEND_MANY,
      { inputs: [{ senderId: '3', recipientId: '4', kind: 'FOLLOW', message: HOSTILE }, { recipientId: '4', kind: 'SYSTEM', message: HOSTILE }] },
      await userToken('2'),
    );
    const results = (answer.body?.data as SendManyData | undefined)?.sendNotifications;
    expect(results?.map((result) => [result.notification, result.error?.code, result.error?.field])).toEqual([
      [null, 'FORBIDDEN', 'senderId'],
      [null, 'FORBIDDEN', 'kind'],
    ]);
  });

  const scoped: { name: string; token: () => Promise<string>; query: string }[] = [
    { name: 'a send-only service listing users', token: () => sendOnlyToken, query: '{ users { id } }' },
    { name: 'a send-only service reading an inbox', token: () => sendOnlyToken, query: '{ notifications(userId: "3") { totalCount } }' },
    { name: 'a send-only service marking an inbox read', token: () => sendOnlyToken, query: 'mutation { markAllNotificationsRead(userId: "3") { unreadCount } }' },
    { name: 'a send-only service creating a user', token: () => sendOnlyToken, query: 'mutation { upsertUser(id: "evil", name: "Evil") { id } }' },
    { name: 'a user listing users', token: () => userToken('2'), query: '{ users { id } }' },
    { name: 'a user renaming a user', token: () => userToken('2'), query: 'mutation { upsertUser(id: "3", name: "Owned") { id } }' },
    { name: 'a user renaming itself', token: () => userToken('2'), query: 'mutation { upsertUser(id: "2", name: "Owned") { id } }' },
    { name: 'a service token without scopes (a user named like a service)', token: () => tokenFor({ sub: 'billing-service' }), query: '{ notifications(userId: "3") { totalCount } }' },
    { name: 'a scope claim with the admin scope misspelled', token: () => tokenFor({ sub: 'svc', scope: 'notifications:admins' }), query: '{ users { id } }' },
  ];
  table('a token without the scope is FORBIDDEN', scoped, (c) => c.name, async ({ token, query }) => {
    expectCode(await gql(dev, query, {}, await token()), 'FORBIDDEN');
  });

  hostile(
    'a graphql-ws socket whose token expires is closed with 4403 after its subscription says UNAUTHENTICATED',
    async () => {
      const token = await userToken('2', { expiresIn: 2 });
      const session = await wsConnected(dev.wsUrl, token);
      session.send({ id: 'live', type: 'subscribe', payload: { query: LIVE } });
      const errors = await operationErrors(session, 'live');
      expect(errors.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      expectClosed(await session.ended, 4403);
    },
    { concurrent: true, timeout: 10_000 },
  );

  hostile(
    'an SSE stream whose token expires ends with UNAUTHENTICATED',
    async () => {
      const answer = await sseFirst(dev.url, LIVE, {}, { authorization: `Bearer ${await userToken('2', { expiresIn: 2 })}` }, 8000);
      expect(answer.status).toBe(200);
      expect(codesOf(answer.first)).toEqual(['UNAUTHENTICATED']);
      expect(answer.completed).toBe(true);
    },
    { concurrent: true, timeout: 10_000 },
  );

  aftermath(() => dev);
});

// =============================================================================================
// E. graphql-ws: messages out of order, malformed messages and frames, oversized frames

describe('E. graphql-ws protocol and frames', () => {
  type Step = { send: unknown } | 'await-ack' | { raw: string | Buffer };
  const init = async () => ({ type: 'connection_init', payload: { authorization: `Bearer ${await serviceToken(uniqueSubject('ws'))}` } });
  const subscribe = (id: unknown, query = 'subscription { notificationAdded(userId: "3") { id } }', extra: Record<string, unknown> = {}) => ({
    id,
    type: 'subscribe',
    payload: { query, ...extra },
  });
  const big = (bytes: number) => 'x'.repeat(bytes);
  const protocolCases: { name: string; steps: (init: unknown) => Step[]; close: number }[] = [
    { name: 'subscribe before connection_init', steps: () => [{ send: subscribe('1') }], close: 4401 },
    { name: 'subscribe right after connection_init, before the ack', steps: (i) => [{ send: i }, { send: subscribe('1') }], close: 4401 },
    { name: 'a second connection_init after the ack', steps: (i) => [{ send: i }, 'await-ack', { send: i }], close: 4429 },
    { name: 'two connection_init back to back', steps: (i) => [{ send: i }, { send: i }], close: 4429 },
    { name: 'a third connection_init', steps: (i) => [{ send: i }, 'await-ack', { send: i }, { send: i }], close: 4429 },
    { name: 'an unknown message type before init', steps: () => [{ send: { type: 'start', id: '1', payload: { query: '{ __typename }' } } }], close: 4400 },
    { name: 'an unknown message type after the ack', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'connection_terminate' } }], close: 4400 },
    { name: 'a client sending connection_ack', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'connection_ack' } }], close: 4400 },
    { name: 'a client sending next', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'next', id: '1', payload: { data: {} } } }], close: 4400 },
    { name: 'a client sending error', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'error', id: '1', payload: [{ message: 'x' }] } }], close: 4400 },
    { name: 'a client sending connection_ack before init', steps: () => [{ send: { type: 'connection_ack' } }], close: 4400 },
    { name: 'invalid JSON', steps: () => [{ raw: '{' }], close: 4400 },
    { name: 'plain text', steps: () => [{ raw: 'hello' }], close: 4400 },
    { name: 'an empty message', steps: () => [{ raw: '' }], close: 4400 },
    { name: 'a JSON array', steps: () => [{ raw: '[{"type":"connection_init"}]' }], close: 4400 },
    { name: 'JSON null', steps: () => [{ raw: 'null' }], close: 4400 },
    { name: 'a JSON number', steps: () => [{ raw: '1' }], close: 4400 },
    { name: 'a JSON string', steps: () => [{ raw: '"connection_init"' }], close: 4400 },
    { name: 'an object without type', steps: () => [{ send: { payload: {} } }], close: 4400 },
    { name: 'a numeric type', steps: () => [{ send: { type: 1 } }], close: 4400 },
    { name: 'a null type', steps: () => [{ send: { type: null } }], close: 4400 },
    { name: 'a type of 60 KB', steps: () => [{ send: { type: big(60_000) } }], close: 4400 },
    { name: 'invalid JSON after the ack', steps: (i) => [{ send: i }, 'await-ack', { raw: '{"type":"subscribe",' }], close: 4400 },
    { name: 'a duplicate subscription id', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1') }, { send: subscribe('1') }], close: 4409 },
    { name: 'a duplicate id among many', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('a') }, { send: subscribe('b') }, { send: subscribe('c') }, { send: subscribe('b') }], close: 4409 },
    { name: 'subscribe without id', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'subscribe', payload: { query: '{ __typename }' } } }], close: 4400 },
    { name: 'subscribe with an empty id', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('') }], close: 4400 },
    { name: 'subscribe with a numeric id', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe(1) }], close: 4400 },
    { name: 'subscribe without payload', steps: (i) => [{ send: i }, 'await-ack', { send: { id: '1', type: 'subscribe' } }], close: 4400 },
    { name: 'subscribe with a numeric query', steps: (i) => [{ send: i }, 'await-ack', { send: { id: '1', type: 'subscribe', payload: { query: 1 } } }], close: 4400 },
    { name: 'subscribe with string variables', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { variables: '{}' }) }], close: 4400 },
    { name: 'subscribe with a numeric operationName', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { operationName: 1 }) }], close: 4400 },
    { name: 'subscribe with list extensions', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { extensions: [] }) }], close: 4400 },
    { name: 'complete without id', steps: (i) => [{ send: i }, 'await-ack', { send: { type: 'complete' } }], close: 4400 },
    { name: 'a ping with a string payload', steps: () => [{ send: { type: 'ping', payload: 'x' } }], close: 4400 },
    { name: 'a subscribe frame over 64 KiB', steps: (i) => [{ send: i }, 'await-ack', { send: subscribe('1', '{ __typename }', { variables: { x: big(WS_PAYLOAD_LIMIT) } }) }], close: 1009 },
    { name: 'a connection_init frame over 64 KiB', steps: () => [{ send: { type: 'connection_init', payload: { authorization: `Bearer ${big(WS_PAYLOAD_LIMIT)}` } } }], close: 1009 },
    { name: 'a 1 MiB frame', steps: () => [{ raw: big(BODY_LIMIT) }], close: 1009 },
  ];
  table('graphql-ws closes the socket with the protocol code', protocolCases, (c) => `${c.name} → ${c.close}`, async ({ steps, close }) => {
    // The client must take what the server says, however long; only the server's limit is tested.
    const session = wsSession(dev.wsUrl, { maxPayload: 64 * BODY_LIMIT });
    await session.opened;
    for (const step of steps(await init())) {
      if (step === 'await-ack') expect(await session.next()).toEqual({ type: 'connection_ack' });
      else if ('raw' in step) session.send(step.raw);
      else session.send(JSON.stringify(step.send));
    }
    expectClosed(await session.ended, close);
  });

  hostile(
    'a socket that never sends connection_init is closed with 4408 after 3 s',
    async () => {
      const session = wsSession(dev.wsUrl);
      await session.opened;
      const started = Date.now();
      expectClosed(await session.ended, 4408);
      expect(Date.now() - started).toBeLessThan(4500);
    },
    { concurrent: true, timeout: 10_000 },
  );

  hostile(
    'half an init frame and then silence is closed with 4408',
    async () => {
      const raw = await rawWebSocket(dev.wsUrl);
      expect(raw.status).toBe(101);
      const frame = wsFrame(0x1, JSON.stringify({ type: 'connection_init', payload: {} }));
      raw.write(frame.subarray(0, 10));
      const end = await raw.ended;
      raw.destroy();
      expect(end.code).toBe(4408);
    },
    { concurrent: true, timeout: 10_000 },
  );

  const subprotocols: { name: string; protocol: string | null }[] = [
    { name: 'no subprotocol', protocol: null },
    { name: 'the legacy graphql-ws subprotocol', protocol: 'graphql-ws' },
    { name: 'an unknown subprotocol', protocol: 'evil-protocol' },
  ];
  table('a socket without the graphql-transport-ws subprotocol is not served', subprotocols, (c) => c.name, async ({ protocol }) => {
    const session = wsSession(dev.wsUrl, { protocol });
    const end = await Promise.race([session.ended, session.opened.then(() => session.ended)]);
    // The server either refuses the subprotocol in the handshake (the client gives up) or closes 4406.
    if (end.kind === 'closed') expect(end.code).toBe(4406);
    else expect(end).toMatchObject({ kind: 'error', message: expect.stringMatching(/subprotocol/i) });
  });

  const INIT_TEXT = async () => JSON.stringify(await init());
  const frames: { name: string; frames: (initText: string) => Buffer[]; close: number }[] = [
    { name: 'an unmasked client frame', frames: (i) => [wsFrame(0x1, i, { mask: false })], close: 1002 },
    { name: 'a reserved opcode (0x3)', frames: (i) => [wsFrame(0x3, i)], close: 1002 },
    { name: 'a reserved control opcode (0xB)', frames: () => [wsFrame(0xb, 'x')], close: 1002 },
    { name: 'RSV1 set without an extension', frames: (i) => [wsFrame(0x1, i, { rsv: 4 })], close: 1002 },
    { name: 'RSV3 set', frames: (i) => [wsFrame(0x1, i, { rsv: 1 })], close: 1002 },
    { name: 'invalid UTF-8 in a text frame', frames: () => [wsFrame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))], close: 1007 },
    { name: 'a fragmented ping', frames: () => [wsFrame(0x9, 'ping', { fin: false })], close: 1002 },
    { name: 'a ping with 126 bytes', frames: () => [wsFrame(0x9, 'p'.repeat(126))], close: 1002 },
    { name: 'a continuation frame with nothing to continue', frames: (i) => [wsFrame(0x0, i)], close: 1002 },
    { name: 'a new text frame inside a fragmented one', frames: (i) => [wsFrame(0x1, i.slice(0, 5), { fin: false }), wsFrame(0x1, i.slice(5))], close: 1002 },
    { name: 'a close frame with the reserved code 1005', frames: () => [wsFrame(0x8, closePayload(1005))], close: 1002 },
    { name: 'a close frame with a 1-byte payload', frames: () => [wsFrame(0x8, Buffer.from([0x03]))], close: 1002 },
    { name: 'a frame header declaring 2^53 bytes', frames: () => [wsFrame(0x1, Buffer.alloc(0), { declaredLength: 2 ** 53 - 1 })], close: 1009 },
    { name: 'a frame header declaring 10 MB', frames: () => [wsFrame(0x1, Buffer.alloc(0), { declaredLength: 10_000_000 })], close: 1009 },
    { name: 'a frame of 64 KiB + 1', frames: () => [wsFrame(0x1, 'x'.repeat(WS_PAYLOAD_LIMIT + 1))], close: 1009 },
    { name: 'fragments adding up to over 64 KiB', frames: () => [wsFrame(0x1, 'x'.repeat(40_000), { fin: false }), wsFrame(0x0, 'x'.repeat(40_000))], close: 1009 },
  ];
  table('a malformed frame closes the socket with the WebSocket code', frames, (c) => `${c.name} → ${c.close}`, async ({ frames: make, close }) => {
    const raw = await rawWebSocket(dev.wsUrl);
    expect(raw.status).toBe(101);
    for (const frame of make(await INIT_TEXT())) raw.write(frame);
    const end = await raw.ended;
    raw.destroy();
    expect(end.code, JSON.stringify(end)).toBe(close);
  });

  hostile('an init split into three fragments is put together and acknowledged', async () => {
    const raw = await rawWebSocket(dev.wsUrl);
    const text = await INIT_TEXT();
    raw.write(wsFrame(0x1, text.slice(0, 7), { fin: false }));
    raw.write(wsFrame(0x9, 'interleaved ping'));
    raw.write(wsFrame(0x0, text.slice(7, 20), { fin: false }));
    raw.write(wsFrame(0x0, text.slice(20)));
    expect(JSON.parse((await raw.nextText()) ?? 'null')).toEqual({ type: 'connection_ack' });
    raw.write(wsFrame(0x8, closePayload(1000)));
    expect((await raw.ended).code).toBe(1000);
    raw.destroy();
  });

  const operationCases: { name: string; query: string; variables?: Record<string, unknown>; extra?: Record<string, unknown>; codes: string[] }[] = [
    { name: 'a parse error', query: 'subscription {', codes: ['GRAPHQL_PARSE_FAILED'] },
    { name: 'an unknown field', query: 'subscription { nope }', codes: ['GRAPHQL_VALIDATION_FAILED'] },
    { name: 'two root fields in a subscription', query: 'subscription { notificationAdded(userId: "3") { id } notificationsChanged(userId: "3") { ids } }', codes: ['GRAPHQL_VALIDATION_FAILED'] },
    { name: 'depth 12', query: `{ ${'... on Query { '.repeat(12)}__typename${' }'.repeat(12)} }`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: '5001 tokens', query: `{ ${'__typename '.repeat(5001)}}`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: '16 aliases', query: `{ me { ${Array.from({ length: 16 }, (_, i) => `a${i}: id`).join(' ')} } }`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: '21 directives', query: `{ me { ${'... @include(if: true) { id } '.repeat(21)}} }`, codes: ['QUERY_TOO_COMPLEX'] },
    { name: 'a list literal 2490 deep', query: `{ unreadCount(userId: ${'['.repeat(2490)}"2"${']'.repeat(2490)}) }`, codes: ['QUERY_TOO_COMPLEX', 'GRAPHQL_PARSE_FAILED'] },
    { name: 'a float for an ID variable', query: 'subscription($u: ID!) { notificationAdded(userId: $u) { id } }', variables: { u: 2.5 }, codes: ['BAD_USER_INPUT'] },
    { name: 'null for a required variable', query: 'subscription($u: ID!) { notificationAdded(userId: $u) { id } }', variables: { u: null }, codes: ['BAD_USER_INPUT'] },
    { name: 'a malformed cursor', query: 'subscription { notificationAdded(userId: "3", after: "x") { id } }', codes: ['BAD_USER_INPUT'] },
    { name: 'a malformed user id', query: 'subscription { notificationsChanged(userId: "a b") { ids } }', codes: ['BAD_USER_INPUT'] },
    { name: 'an operationName that names nothing', query: 'subscription A { notificationAdded(userId: "3") { id } }', extra: { operationName: 'Nope' }, codes: ['OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'GRAPHQL_VALIDATION_FAILED'] },
    { name: 'two operations and no operationName', query: 'query A { __typename } query B { __typename }', codes: ['OPERATION_RESOLUTION_FAILURE', 'BAD_REQUEST', 'GRAPHQL_VALIDATION_FAILED'] },
    { name: 'a mutation sending 17 KiB of data', query: 'mutation($d: JSON) { sendNotification(input: {senderId: "1", recipientId: "3", kind: FOLLOW, message: "hostile-payload", data: $d}) { id } }', variables: { d: { x: 'x'.repeat(17 * 1024) } }, codes: ['BAD_USER_INPUT'] },
  ];
  table('a bad operation over graphql-ws gets an error with its code and the socket stays open', operationCases, (c) => c.name, async ({ query, variables, extra = {}, codes }) => {
    const session = await wsConnected(dev.wsUrl, await serviceToken(uniqueSubject('ws-op')));
    session.send(subscribe('op', query, { ...(variables && { variables }), ...extra }));
    const errors = await operationErrors(session, 'op');
    expectCleanErrors(errors, JSON.stringify(errors));
    for (const code of codesOf({ errors })) expect(codes).toContain(code);
    // Still open and serving.
    session.send(subscribe('after', '{ __typename }'));
    expect(await session.until((m) => m.id === 'after')).toMatchObject({ type: 'next', payload: { data: { __typename: 'Query' } } });
    await session.close();
  });

  aftermath(() => dev);
});

// =============================================================================================
// F. Too many sockets, streams and subscriptions (production limits: 4 per token, 5 per socket)

describe('F. too many sockets and subscriptions', () => {
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

// =============================================================================================
// G. Slow clients (production: headers within 1.5 s, whole request within 2 s, checked each second)

describe('G. slow clients', () => {
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

// =============================================================================================
// H. Production defaults: no GraphiQL, no introspection, no suggestions, no landing page, CORS, origins

describe('H. production defaults', () => {
  const pages = ['/graphql', '/graphiql', '/', '/foo', '/admin', '/.env', '/GRAPHQL', '/graphql/..%2fadmin', '/ready/x'] as const;
  table('no GraphiQL and no landing page', pages, (c) => c, async (path) => {
    const answer = await request(`${prod.root}${path}`, { headers: { accept: 'text/html' } });
    expect(answer.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(answer.text).not.toMatch(/graphiql|GraphQL Yoga|<html/i);
    if (path !== '/graphql') expect(answer.status).toBe(404);
    else expect([400, 406]).toContain(answer.status);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
  });

  const introspection = [
    '{ __schema { types { name } } }',
    '{ __type(name: "Query") { fields { name } } }',
    '{ s: __schema { queryType { name } } }',
    '{ ...F } fragment F on Query { __schema { types { name } } }',
    '{ ... on Query { __type(name: "User") { name } } }',
    'query IntrospectionQuery { __schema { directives { name } } }',
  ];
  table('introspection is refused', introspection, (c) => c, async (query) => {
    const answer = await gql(prod, query);
    expectCode(answer, 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400] });
    expect(answer.text).not.toContain('"types"');
  });

  hostile('introspection over GET is refused', async () => {
    const answer = await request(`${prod.url}?query=${encodeURIComponent('{ __schema { types { name } } }')}`, { headers: { authorization: `Bearer ${prod.admin}` } });
    expectCode(answer, 'GRAPHQL_VALIDATION_FAILED', { status: [200, 400] });
  });

  hostile('introspection over graphql-ws is refused', async () => {
    const session = await wsConnected(prod.wsUrl, await serviceToken(uniqueSubject('svc')));
    session.send({ id: 'i', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } });
    const errors = await operationErrors(session, 'i');
    expectCleanErrors(errors, JSON.stringify(errors));
    expect(codesOf({ errors })).toContain('GRAPHQL_VALIDATION_FAILED');
    await session.close();
  });

  const FILTER = 'query($f: NotificationFilter) { notifications(userId: "3", filter: $f) { totalCount } }';
  const SEND = 'mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }';
  const typos: { name: string; query: string; variables?: Record<string, unknown>; code: string }[] = [
    { name: 'a field', query: '{ notificationz { id } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an argument', query: '{ notifications(userIdd: "3") { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a type condition', query: '{ ... on Querry { __typename } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a variable type', query: 'query($u: IDD) { unreadCount(userId: $u) }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an input field in a literal', query: '{ notifications(userId: "3", filter: { kindd: [FOLLOW] }) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an enum value in a literal', query: '{ notifications(userId: "3", filter: { kind: [FOLLOWW] }) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'a status enum value in a literal', query: '{ notifications(userId: "3", filter: { status: [UNREED] }) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
    { name: 'an enum value in variables', query: FILTER, variables: { f: { kind: ['FOLLOWW'] } }, code: 'BAD_USER_INPUT' },
    { name: 'a status enum value in variables', query: FILTER, variables: { f: { status: ['UNREADD'] } }, code: 'BAD_USER_INPUT' },
    { name: 'an input field in variables', query: FILTER, variables: { f: { kindd: ['FOLLOW'] } }, code: 'BAD_USER_INPUT' },
    { name: 'a send input field in variables', query: SEND, variables: { i: { senderr: '1', recipientId: '3', kind: 'FOLLOW', message: HOSTILE } }, code: 'BAD_USER_INPUT' },
    { name: 'a field on a nested type', query: '{ me { nmae } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  ];
  table('a typo gets no "Did you mean" suggestion', typos, (c) => c.name, async ({ query, variables = {}, code }) => {
    const answer = await gql(prod, query, variables);
    expectCode(answer, code, { status: [200, 400] });
    expect(answer.text).not.toMatch(/did you mean/i);
  });

  const evilOrigins = ['https://evil.example', 'null', 'https://app.example.evil.com', 'http://app.example', 'https://evil.app.example'];
  table('CORS answers no unlisted origin (POST)', evilOrigins, (c) => c, async (origin) => {
    const answer = await gql(prod, '{ __typename }', {}, prod.admin, { origin });
    const allowed = answer.headers.get('access-control-allow-origin');
    expect(allowed).not.toBe(origin);
    expect(allowed).not.toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).not.toBe('true');
  });
  table('CORS answers no unlisted origin (preflight)', evilOrigins, (c) => c, async (origin) => {
    const answer = await request(prod.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    const allowed = answer.headers.get('access-control-allow-origin');
    expect(allowed).not.toBe(origin);
    expect(allowed).not.toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).not.toBe('true');
  });

  table('a WebSocket upgrade from an unlisted origin is refused with 403', evilOrigins, (c) => c, async (origin) => {
    const session = wsSession(prod.wsUrl, { origin });
    const end = await Promise.race([session.ended, session.opened.then(() => session.ended)]);
    expect(end).toEqual({ kind: 'refused', status: 403 });
  });

  const nosniff: { name: string; run: () => Promise<Response | HttpAnswer> }[] = [
    { name: 'a GraphQL answer', run: () => gql(prod, '{ __typename }') },
    { name: 'a 401', run: () => gql(prod, '{ __typename }', {}, 'forged') },
    { name: 'a 403 (CSRF)', run: () => request(prod.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }) },
    { name: 'a 413', run: () => postGraphQL(prod.url, { query: `{ __typename ${' '.repeat(BODY_LIMIT)}}` }, { token: prod.admin }) },
    { name: 'a 405', run: () => request(prod.url, { method: 'DELETE', headers: { authorization: `Bearer ${prod.admin}` } }) },
    { name: 'an SSE refusal', run: () => fetch(prod.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: '{"query":"subscription { notificationAdded { id } }"}' }) },
  ];
  table('responses say x-content-type-options: nosniff', nosniff, (c) => c.name, async ({ run }) => {
    const answer = await run();
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    if (answer instanceof Response) await answer.body?.cancel();
  });

  aftermath(() => prod);
});

// =============================================================================================
// I. Sending too much

describe('I. send rate and batch size', () => {
  const note = { recipientId: '3', kind: 'FOLLOW', message: `${HOSTILE}: rate` };
  /** A user token for a user the store does not know: each send spends allowance, then fails with USER_NOT_FOUND. */
  const burstOf = async (token: string, count: number) => {
    const answer = await gql(dev, SEND_MANY, { inputs: Array.from({ length: count }, () => note) }, token);
    const results = (answer.body?.data as SendManyData | undefined)?.sendNotifications;
    expect(results, answer.text.slice(0, 300)).toHaveLength(count);
    for (const result of results ?? []) expect(result.error?.code).toBe('USER_NOT_FOUND');
  };

  hostile('a user token past its burst is RATE_LIMITED with retryAfterSeconds', async () => {
    const token = await userToken(uniqueSubject('rl'));
    await burstOf(token, 100);
    const answer = await gql(dev, `mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }`, { i: note }, token);
    expectCode(answer, 'RATE_LIMITED');
    const retry = answer.body?.errors?.[0]?.extensions?.retryAfterSeconds;
    expect(typeof retry === 'number' && retry >= 1).toBe(true);
  });

  hostile('a user token past its burst is RATE_LIMITED over graphql-ws too', async () => {
    const token = await userToken(uniqueSubject('rl'));
    await burstOf(token, 100);
    const session = await wsConnected(dev.wsUrl, token);
    session.send({ id: 'm', type: 'subscribe', payload: { query: SEND_MANY, variables: { inputs: [note] } } });
    const errors = await operationErrors(session, 'm');
    expect(codesOf({ errors })).toEqual(['RATE_LIMITED']);
    await session.close();
  });

  hostile('115 concurrent sends by one user: the ones past the allowance are RATE_LIMITED', async () => {
    const token = await userToken(uniqueSubject('rl'));
    const answers = await Promise.all(
      Array.from({ length: 115 }, () => gql(dev, `mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }`, { i: note }, token)),
    );
    const codes = answers.map((answer) => codesOf(answer.body)[0]);
    for (const code of codes) expect(['USER_NOT_FOUND', 'RATE_LIMITED']).toContain(code);
    expect(codes.filter((code) => code === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(115 - 111);
  });

  hostile('a batch larger than the burst is BAD_USER_INPUT (a retry could never succeed)', async () => {
    const token = await userToken(uniqueSubject('rl'));
    expectCode(await gql(dev, SEND_MANY, { inputs: Array.from({ length: 101 }, () => note) }, token), 'BAD_USER_INPUT', { field: 'inputs' });
  });

  hostile('a batch of 1001 from an admin is BAD_USER_INPUT', async () => {
    expectCode(await gql(dev, SEND_MANY, { inputs: Array.from({ length: 1001 }, () => ({ ...note, senderId: '1' })) }), 'BAD_USER_INPUT', { field: 'inputs' });
  });

  aftermath(() => dev);
});

// =============================================================================================
// J. Memory: what a client can make the server keep

describe('J. memory', () => {
  const PAD = 'x'.repeat(1000 * 1000);
  const documents: { name: string; query: (i: number) => string; code: string }[] = [
    { name: 'well-formed', query: (i) => `{ __typename } #${i}${PAD}`, code: 'UNAUTHENTICATED' },
    // The token is checked before parsing: without one, a document is never even parsed.
    { name: 'unparsable', query: (i) => `{ __typename #${i}${PAD}`, code: 'UNAUTHENTICATED' },
  ];
  table(
    '100 distinct 1 MB documents without a token leave nothing behind',
    documents,
    (c) => c.name,
    async ({ query, code }) => {
      const before = heldBytes();
      for (let i = 0; i < 100; i += 1) {
        const answer = await postGraphQL(prod.url, { query: `${query(i)}` }, { token: null });
        expect(codesOf(answer.body), answer.text.slice(0, 200)).toEqual([code]);
      }
      const grown = heldBytes() - before;
      expect(grown, `the server kept ${Math.round(grown / 2 ** 20)} MiB after 100 MB of refused documents`).toBeLessThan(32 * 1024 * 1024);
    },
    { timeout: 20_000 },
  );

  aftermath(() => prod);
});
