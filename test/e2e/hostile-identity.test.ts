/**
 * Hostile identity: forged, expired and malformed tokens over HTTP, SSE and graphql-ws; malformed
 * Authorization headers and connection_init payloads; user 2's token on other users' inboxes and
 * ids (FORBIDDEN or NOT_FOUND, worded the same whether the other user exists or not, so ids cannot
 * be probed); sending as someone else; tokens without the scope; streams whose token expires.
 * What a valid token must claim is hostile-claims.test.ts.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { sendOnlyToken, tokenFor, userToken } from '../support/auth.js';
import {
  aftermath,
  gql,
  type Harness,
  hostile,
  HOSTILE,
  SEND_MANY,
  type SendManyData,
  startHarness,
  stopHarness,
  table,
} from '../support/hostile-system.js';
import {
  codesOf,
  expectCleanErrors,
  expectClosed,
  expectCode,
  type ForgedToken,
  forgedTokens,
  operationErrors,
  postGraphQL,
  sseFirst,
  type WireError,
  wsConnected,
  wsSession,
} from '../support/hostile.js';

let dev: Harness;

beforeAll(async () => {
  dev = await startHarness('dev');
}, 120_000);

afterAll(() => stopHarness(dev, 'hostile-identity'));

describe('identity', () => {
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
    { name: 'unseenCount', kind: 'http', query: 'query($u: ID) { unseenCount(userId: $u) }', variables: () => ({}) },
    { name: 'user', kind: 'http', query: 'query($u: ID!) { user(id: $u) { id name } }', variables: () => ({}) },
    { name: 'markAllNotificationsRead', kind: 'http', query: 'mutation($u: ID) { markAllNotificationsRead(userId: $u) { unreadCount } }', variables: () => ({}) },
    { name: 'markAllNotificationsSeen', kind: 'http', query: 'mutation($u: ID) { markAllNotificationsSeen(userId: $u) { unseenCount } }', variables: () => ({}) },
    { name: 'markNotificationsSeen', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { markNotificationsSeen(userId: $u, ids: $ids) { unseenCount } }', variables: (ids) => ({ ids }) },
    { name: 'unarchiveNotifications', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { unarchiveNotifications(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'markNotificationsRead', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { markNotificationsRead(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'markNotificationsUnread', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { markNotificationsUnread(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'archiveNotifications', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { archiveNotifications(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'deleteNotifications', kind: 'http', query: 'mutation($u: ID, $ids: [ID!]!) { deleteNotifications(userId: $u, ids: $ids) { unreadCount } }', variables: (ids) => ({ ids }) },
    { name: 'preferences', kind: 'http', query: 'query($u: ID) { preferences(userId: $u) { timeZone kinds { kind inApp } } }', variables: () => ({}) },
    {
      name: 'setPreferences',
      kind: 'http',
      query: 'mutation($u: ID) { setPreferences(userId: $u, input: { kinds: [{ kind: LIKE, inApp: false }] }) { timeZone } }',
      variables: () => ({}),
    },
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

  const foreignIdMutations = ['markNotificationsRead', 'markNotificationsUnread', 'markNotificationsSeen', 'archiveNotifications', 'unarchiveNotifications', 'deleteNotifications'];
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
    { name: 'senderId of another user', run: async () => (await gql(dev, SEND, { i: { senderId: '3', recipientId: '4', kind: 'follow', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'senderId' },
    { name: 'senderId of a user that does not exist', run: async () => (await gql(dev, SEND, { i: { senderId: '999', recipientId: '3', kind: 'follow', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'senderId' },
    { name: 'kind SYSTEM without a sender', run: async () => (await gql(dev, SEND, { i: { recipientId: '3', kind: 'system', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'kind' },
    { name: 'kind SYSTEM with its own sender', run: async () => (await gql(dev, SEND, { i: { senderId: '2', recipientId: '3', kind: 'system', message: HOSTILE } }, await userToken('2'))).body?.errors, field: 'kind' },
    {
      name: 'senderId of another user over graphql-ws',
      run: async () => {
        const session = await wsConnected(dev.wsUrl, await userToken('2'));
        session.send({ id: 's', type: 'subscribe', payload: { query: SEND, variables: { i: { senderId: '3', recipientId: '4', kind: 'follow', message: HOSTILE } } } });
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
      { inputs: [{ senderId: '3', recipientId: '4', kind: 'follow', message: HOSTILE }, { recipientId: '4', kind: 'system', message: HOSTILE }] },
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
