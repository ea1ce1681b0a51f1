/**
 * Hostile domain input that GraphQL itself accepts: messages, links, data, ids, names, cursors and
 * page sizes that are too long, too deep, unsafe (javascript: links, NUL, lone surrogates) or
 * malformed. Each is BAD_USER_INPUT naming the field, before anything reaches Kafka; afterwards the
 * server still answers, its memory is bounded, and the store holds nothing it should not.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  aftermath,
  gql,
  type Harness,
  hostile,
  HOSTILE,
  SEND_MANY,
  sendAndStore,
  startHarness,
  stopHarness,
  table,
} from '../support/hostile-system.js';
import { expectCode } from '../support/hostile.js';

let dev: Harness;

beforeAll(async () => {
  dev = await startHarness('dev');
}, 120_000);

afterAll(() => stopHarness(dev, 'hostile-domain-input'));

describe('domain input', () => {
  const SEND = `mutation($i: SendNotificationInput!) { sendNotification(input: $i) { id } }`;
  const base = { senderId: '1', recipientId: '3', kind: 'follow', message: `${HOSTILE}: a refused send` };
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
    { name: 'a sender on a SYSTEM notification', input: () => ({ kind: 'system' }), field: 'senderId' },
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
    const [id] = await sendAndStore(dev, [{ senderId: '1', recipientId: 'sink', kind: 'like', message: 'a like for the sink' }]);
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
