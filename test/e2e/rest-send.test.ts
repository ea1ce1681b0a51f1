/**
 * The HTTP API beside GraphQL, over real HTTP on the real system (Kafka, PostgreSQL, graphql-ws):
 * single and batch sends, idempotency keys, who may send as whom, the refusals as problem details
 * with their statuses (401, 403, 415, 413, 400, 429), the notification reaching the store and a
 * live subscriber, the tutorial's POST /send, and every real answer checked against the OpenAPI
 * document the server publishes; and POST /v1/broadcasts with the same refusals, checked the same way.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { adminToken, sendOnlyToken, userToken } from '../support/auth.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { eventually } from '../support/hostile.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const BODY_LIMIT = 64 * 1024;

let system: TestSystem;
let admin: string;

interface Answer {
  method: string;
  path: string;
  status: number;
  contentType: string;
  headers: Headers;
  body: unknown;
  text: string;
}

/** Every answer the tests saw, checked against the OpenAPI document at the end. */
const seen: Answer[] = [];

async function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Answer> {
  const { token = admin, headers = {}, ...rest } = init;
  const response = await fetch(new URL(path, system.url), {
    method: 'POST',
    ...rest,
    headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...(headers as Record<string, string>) },
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: left null, and the test says what it expected.
  }
  const answer = { method: init.method ?? 'POST', path, status: response.status, contentType: response.headers.get('content-type') ?? '', headers: response.headers, body, text };
  seen.push(answer);
  return answer;
}

const postJson = (body: unknown, { token, headers = {} }: { token?: string | null; headers?: Record<string, string> } = {}) =>
  call('/v1/notifications', { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }, ...(token !== undefined && { token }) });

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  field?: string;
  retryAfterSeconds?: number;
}

/** A refusal as RFC 9457 problem details with this status and code, and nothing internal in it. */
function expectProblem(answer: Answer, status: number, code: string, field?: string): Problem {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toBe('application/problem+json');
  const problem = answer.body as Problem;
  expect(problem).toMatchObject({ type: 'about:blank', status, code });
  expect(problem.title.length).toBeGreaterThan(0);
  expect(problem.detail.length).toBeLessThanOrEqual(301);
  if (field !== undefined) expect(problem.field).toBe(field);
  for (const leak of ['    at ', 'node_modules', '.ts:', 'kafkajs', 'SELECT ']) expect(answer.text).not.toContain(leak);
  // The HTTP server refuses an oversized body before any request id is given (as for GraphQL).
  if (status !== 413) expect(answer.headers.get('x-request-id')).toBeTruthy();
  return problem;
}

const INBOX = /* GraphQL */ `
  query Inbox($userId: ID!) { notifications(userId: $userId, first: 100) { edges { node { id kind message senderId } } } }
`;
const ADDED = /* GraphQL */ `
  subscription Added($after: String) { notificationAdded(after: $after) { id message } }
`;

interface Inbox { notifications: { edges: { node: { id: string; kind: string; message: string; senderId: string | null } }[] } }

const inboxOf = async (userId: string) => (await graphqlData<Inbox>(system.url, INBOX, { userId })).notifications.edges.map((edge) => edge.node);

beforeAll(async () => {
  admin = await adminToken;
  system = await startTestSystem({
    store: 'postgres',
    // Lena (user 4) may send 3 at once and then 1 a second: enough to meet the limit in a test.
    env: { SEND_RATE_USER: '1', SEND_BURST_USER: '3', LIMIT_BODY_BYTES: String(BODY_LIMIT) },
  });
  await waitUntilReady(system);
}, 120_000);

afterAll(async () => {
  await system?.dispose();
});

describe('POST /v1/notifications', () => {
  it('sends one notification, stored and pushed live to its recipient', async () => {
    const client = wsClient(system.wsUrl, { token: userToken('2') });
    // From the start of the inbox: the replay covers a send made before the subscription is live.
    const live = wsSubscribe<{ notificationAdded: { id: string; message: string } }>(client, ADDED, { after: encodeCursor(0) });
    try {
      const answer = await postJson({ senderId: '1', recipientId: '2', kind: 'follow', message: 'Emma followed you over REST.', link: '/users/1', data: { via: 'rest' } });
      expect(answer.status, answer.text).toBe(201);
      expect(answer.contentType).toMatch(/^application\/json/);
      const sent = answer.body as { id: string; recipientId: string; createdAt: string };
      expect(sent.recipientId).toBe('2');
      expect(Number.isNaN(Date.parse(sent.createdAt))).toBe(false);
      expect(answer.headers.get('x-request-id')).toBeTruthy();

      for (;;) {
        const event = await live.next();
        if (event.data?.notificationAdded.id === sent.id) break;
      }
      const stored = (await inboxOf('2')).find((n) => n.id === sent.id);
      expect(stored).toMatchObject({ kind: 'follow', message: 'Emma followed you over REST.', senderId: '1' });
    } finally {
      await live.close();
      await client.dispose();
    }
  });

  it('sends a batch with a result per item, a bad one failing alone', async () => {
    const answer = await postJson({
      notifications: [
        { senderId: '3', recipientId: '2', kind: 'mention', message: 'Rick mentioned you.', idempotencyKey: 'rest-batch-mention' },
        { senderId: '1', recipientId: '99', kind: 'like', message: 'to nobody' },
        { recipientId: '2', kind: 'system', message: 'Your export is ready.' },
        { senderId: '1', recipientId: '2', kind: 'comment', message: '' },
      ],
    });
    expect(answer.status, answer.text).toBe(200);
    const { results } = answer.body as { results: { index: number; notification?: { id: string }; error?: { code: string; field: string | null } }[] };
    expect(results.map((r) => r.index)).toEqual([0, 1, 2, 3]);
    expect(results[0]?.notification?.id).toBeTruthy();
    expect(results[1]?.error).toMatchObject({ code: 'USER_NOT_FOUND', field: 'recipientId' });
    expect(results[2]?.notification?.id).toBeTruthy();
    expect(results[3]?.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'message' });
  });

  it('gives the same notification for the same Idempotency-Key, stored once', async () => {
    const body = { senderId: '1', recipientId: '3', kind: 'like', message: 'Emma liked your post.' };
    const first = await postJson(body, { headers: { 'idempotency-key': 'rest-like-post-9' } });
    const second = await postJson(body, { headers: { 'idempotency-key': 'rest-like-post-9' } });
    expect(first.status, first.text).toBe(201);
    expect(second.status, second.text).toBe(201);
    const id = (first.body as { id: string }).id;
    expect((second.body as { id: string }).id).toBe(id);
    // One recipient's notifications are stored in the order they were sent (one partition): once
    // the marker sent after both is stored, both copies have been consumed.
    const marker = await postJson({ senderId: '1', recipientId: '3', kind: 'follow', message: 'marker' });
    const markerId = (marker.body as { id: string }).id;
    const inbox = await eventuallyStored('3', markerId);
    expect(inbox.filter((n) => n.id === id)).toHaveLength(1);
  });

  it('refuses an Idempotency-Key that differs from the body, and one on a batch', async () => {
    const single = await postJson({ senderId: '1', recipientId: '3', kind: 'like', message: 'x', idempotencyKey: 'a' }, { headers: { 'idempotency-key': 'b' } });
    expectProblem(single, 400, 'BAD_USER_INPUT', 'Idempotency-Key');
    const batch = await postJson({ notifications: [] }, { headers: { 'idempotency-key': 'b' } });
    expectProblem(batch, 400, 'BAD_USER_INPUT', 'Idempotency-Key');
  });

  it('lets a user token send as itself only', async () => {
    const own = await postJson({ recipientId: '2', kind: 'follow', message: 'Rick followed you.' }, { token: await userToken('3') });
    expect(own.status, own.text).toBe(201);
    expect((await eventuallyStored('2', (own.body as { id: string }).id)).find((n) => n.id === (own.body as { id: string }).id)?.senderId).toBe('3');

    const asOther = await postJson({ senderId: '1', recipientId: '2', kind: 'follow', message: 'not Emma' }, { token: await userToken('3') });
    expectProblem(asOther, 403, 'FORBIDDEN', 'senderId');
    const system_ = await postJson({ recipientId: '2', kind: 'system', message: 'not a service' }, { token: await userToken('3') });
    expectProblem(system_, 403, 'FORBIDDEN', 'kind');
  });

  it('answers 404 USER_NOT_FOUND for a single send to nobody', async () => {
    expectProblem(await postJson({ senderId: '1', recipientId: '404', kind: 'like', message: 'x' }), 404, 'USER_NOT_FOUND', 'recipientId');
  });

  it('refuses a request without a token, or with a bad one, with 401', async () => {
    const none = await postJson({ senderId: '1', recipientId: '2', kind: 'like', message: 'x' }, { token: null });
    expectProblem(none, 401, 'UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expectProblem(await postJson({ senderId: '1', recipientId: '2', kind: 'like', message: 'x' }, { token: 'not-a-jwt' }), 401, 'UNAUTHENTICATED');
  });

  it('answers 429 with Retry-After past the sending allowance', async () => {
    const lena = await userToken('4');
    const statuses: number[] = [];
    let limited: Answer | undefined;
    for (let i = 0; i < 10 && !limited; i += 1) {
      const answer = await postJson({ recipientId: '1', kind: 'mention', message: `Lena ${i}` }, { token: lena });
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    expect(limited, `statuses ${statuses.join(',')}`).toBeDefined();
    const problem = expectProblem(limited!, 429, 'RATE_LIMITED');
    expect(problem.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(limited!.headers.get('retry-after')).toBe(String(problem.retryAfterSeconds));
  });

  it('takes only application/json (415), so a form post cannot reach it', async () => {
    const form = await call('/v1/notifications', { body: 'recipientId=2&kind=FOLLOW&message=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const text = await call('/v1/notifications', { body: '{}', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a body over LIMIT_BODY_BYTES with 413 before reading it', async () => {
    const answer = await postJson({ senderId: '1', recipientId: '2', kind: 'like', message: 'x'.repeat(BODY_LIMIT) });
    expectProblem(answer, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses malformed JSON and bodies of the wrong shape with 400, naming the field', async () => {
    const malformed = await call('/v1/notifications', { body: '{"recipientId": ', headers: { 'content-type': 'application/json' } });
    expect(expectProblem(malformed, 400, 'BAD_USER_INPUT').detail).toBe('the body is not valid JSON');
    expectProblem(await postJson({ senderId: '1', recipientId: '2', kind: 'POKE', message: 'x' }), 400, 'BAD_USER_INPUT', 'kind');
    expectProblem(await postJson({ senderId: '1', recipientId: '2', kind: 'like', message: 'x', extra: 1 }), 400, 'BAD_USER_INPUT');
    expectProblem(await postJson({ notifications: [{ recipientId: 2, kind: 'like', message: 'x' }] }), 400, 'BAD_USER_INPUT', 'notifications.0.recipientId');
    expectProblem(await postJson([1, 2]), 400, 'BAD_USER_INPUT');
    const tooMany = Array.from({ length: 1001 }, () => ({ recipientId: '2', kind: 'system', message: 'x' }));
    expectProblem(await postJson({ notifications: tooMany }), 400, 'BAD_USER_INPUT', 'notifications');
  });

  it('counts its requests by outcome, and the sends in the domain metrics', async () => {
    const metrics = await (await fetch(system.metricsUrl)).text();
    expect(metrics).toMatch(/notify_http_api_requests_total\{route="POST \/v1\/notifications",code="OK"\} [1-9]/);
    expect(metrics).toMatch(/notify_http_api_requests_total\{route="POST \/v1\/notifications",code="RATE_LIMITED"\} [1-9]/);
    expect(metrics).toMatch(/notify_notifications_sent_total\{kind="follow",outcome="accepted"\} [1-9]/);
  });
});

describe('POST /send, the Go tutorial’s route', () => {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const send = (fields: Record<string, string>, token?: string | null) =>
    call('/send', { body: form(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' }, ...(token !== undefined && { token }) });

  it('sends a MENTION from fromID to toID and answers as the tutorial did', async () => {
    const answer = await send({ fromID: '2', toID: '1', message: 'Bruno started following you.' }, await sendOnlyToken);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({ message: 'Notification sent successfully!' });
    await eventually(async () => {
      const stored = (await inboxOf('1')).find((n) => n.message === 'Bruno started following you.');
      expect(stored).toMatchObject({ kind: 'mention', senderId: '2' });
    }, 20_000);
  });

  it('answers 400, 404, 401, 403 and 415 in its shape', async () => {
    const missing = await send({ fromID: '2', message: 'x' });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ message: expect.stringContaining('toID') });
    expect((await send({ fromID: '2', toID: '1', message: '' })).status).toBe(400);
    const nobody = await send({ fromID: '2', toID: '999', message: 'x' });
    expect(nobody.status).toBe(404);
    expect(nobody.body).toEqual({ message: 'User not found' });
    expect((await send({ fromID: '2', toID: '1', message: 'x' }, null)).status).toBe(401);
    const user = await send({ fromID: '2', toID: '1', message: 'x' }, await userToken('2'));
    expect(user.status).toBe(403);
    expect(user.body).toEqual({ message: expect.stringContaining('service token') });
    const json = await call('/send', { body: JSON.stringify({ fromID: '2', toID: '1', message: 'x' }), headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
    expect(json.body).toEqual({ message: expect.any(String) });
  });
});

describe('POST /v1/broadcasts', () => {
  const postBroadcast = (body: unknown, { token, headers = {} }: { token?: string | null; headers?: Record<string, string> } = {}) =>
    call('/v1/broadcasts', { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers }, ...(token !== undefined && { token }) });

  it('sends one broadcast to every subscriber of the topic, the same one again for the same Idempotency-Key', async () => {
    const topic = `rest-${Date.now().toString(36)}`;
    await system.store.subscribeToTopic(topic, ['2', '3'], new Date(Date.now() - 60_000));
    const first = await postBroadcast({ topic, senderId: '1', kind: 'comment', message: 'Emma commented on a post you follow.' }, { headers: { 'idempotency-key': topic } });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({ topic, id: expect.any(String), createdAt: expect.any(String) });
    const again = await postBroadcast({ topic, senderId: '1', kind: 'comment', message: 'Emma commented on a post you follow.' }, { headers: { 'idempotency-key': topic } });
    expect((again.body as { id: string }).id).toBe((first.body as { id: string }).id);
    for (const userId of ['2', '3']) {
      await eventually(async () => {
        const copies = (await inboxOf(userId)).filter((n) => n.message === 'Emma commented on a post you follow.');
        expect(copies).toHaveLength(1);
      }, 20_000);
    }
  });

  it('refuses what the send route refuses, in the same shapes: 400, 401, 403, 404, 413, 415', async () => {
    expectProblem(await postBroadcast({ topic: 'all', kind: 'system', message: 'x' }, { token: null }), 401, 'UNAUTHENTICATED');
    expectProblem(await postBroadcast({ topic: 'all', kind: 'like', message: 'x' }, { token: await userToken('2') }), 403, 'FORBIDDEN');
    expectProblem(await postBroadcast({ topic: 'all', senderId: '404', kind: 'like', message: 'x' }), 404, 'USER_NOT_FOUND', 'senderId');
    expectProblem(await postBroadcast({ topic: 'not a topic', kind: 'system', message: 'x' }), 400, 'BAD_USER_INPUT', 'topic');
    expectProblem(await postBroadcast({ topic: 'all', kind: 'system', message: 'x', recipientId: '2' }), 400, 'BAD_USER_INPUT');
    expectProblem(await postBroadcast({ topic: 'all', kind: 'system', message: '   ' }), 400, 'BAD_USER_INPUT', 'message');
    expectProblem(await postBroadcast({ topic: 'all', kind: 'system', message: 'x'.repeat(BODY_LIMIT) }), 413, 'PAYLOAD_TOO_LARGE');
    expectProblem(await call('/v1/broadcasts', { body: 'topic=all', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const malformed = await call('/v1/broadcasts', { body: '{"topic": ', headers: { 'content-type': 'application/json' } });
    expect(expectProblem(malformed, 400, 'BAD_USER_INPUT').detail).toBe('the body is not valid JSON');
  });
});

describe('GET /v1/openapi.json', () => {
  it('describes every answer the routes gave', async () => {
    const response = await fetch(new URL('/v1/openapi.json', system.url));
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
    expect(document.openapi).toBe('3.1.0');

    // OpenAPI 3.1's schemas are JSON Schema 2020-12; `example` and the document's own keys are not keywords.
    const ajv = new Ajv2020({ strict: false, validateFormats: false, validateSchema: false });
    ajv.addSchema(document, 'openapi');
    const pointer = (...parts: string[]) => parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
    const checked = new Set<string>();
    for (const answer of seen) {
      const mediaType = answer.contentType.split(';')[0]!.trim();
      const documented = document.paths[answer.path]?.[answer.method.toLowerCase()]?.responses[String(answer.status)];
      expect(documented, `${answer.method} ${answer.path} ${answer.status} is not in the document`).toBeDefined();
      expect(documented?.content?.[mediaType], `${answer.method} ${answer.path} ${answer.status} ${mediaType} is not in the document`).toBeDefined();
      const validate = ajv.getSchema(`openapi#/${pointer('paths', answer.path, answer.method.toLowerCase(), 'responses', String(answer.status), 'content', mediaType, 'schema')}`);
      expect(validate, 'no schema').toBeDefined();
      expect(validate!(answer.body), `${answer.method} ${answer.path} ${answer.status}: ${JSON.stringify(validate!.errors)} in ${answer.text.slice(0, 300)}`).toBe(true);
      checked.add(`${answer.path} ${answer.status}`);
    }
    expect([...checked].sort()).toEqual(
      expect.arrayContaining(['/v1/notifications 200', '/v1/notifications 201', '/v1/notifications 400', '/v1/notifications 401', '/v1/notifications 403', '/v1/notifications 404', '/v1/notifications 413', '/v1/notifications 415', '/v1/notifications 429', '/send 200', '/send 400', '/send 404', '/v1/broadcasts 201', '/v1/broadcasts 400', '/v1/broadcasts 401', '/v1/broadcasts 403', '/v1/broadcasts 404', '/v1/broadcasts 413', '/v1/broadcasts 415']),
    );
  });
});

/** Until the recipient's inbox holds this id (the consumer stores moments after the broker acknowledged). */
async function eventuallyStored(userId: string, id: string) {
  return eventually(async () => {
    const inbox = await inboxOf(userId);
    if (!inbox.some((n) => n.id === id)) throw new Error(`${id} not stored yet`);
    return inbox;
  }, 20_000);
}
