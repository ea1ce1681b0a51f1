/**
 * The inbox features end to end on the real broker and store: read state and archive with live
 * pushes to two open tabs, batch sends, idempotency keys, resuming a feed after a disconnect,
 * and retention.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { encodeEvent } from '../../src/notifications/event.js';
import { userToken } from '../support/auth.js';
import { graphql, graphqlData, sseSubscribe, wsClient, wsSubscribe } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { id message } error { code field message } }
  }
`;
const ADDED = /* GraphQL */ `
  subscription Added($userId: ID!, $after: String) {
    notificationAdded(userId: $userId, after: $after) { id seq cursor message }
  }
`;
const CHANGED = /* GraphQL */ `
  subscription Changed($userId: ID!) {
    notificationsChanged(userId: $userId) { action ids unreadCount notifications { id status } }
  }
`;
const CHANGE_FIELDS = 'action ids unreadCount notifications { id status readAt archivedAt }';

interface SendManyResult {
  sendNotifications: { index: number; notification: { id: string; message: string } | null; error: { code: string; field: string | null } | null }[];
}
interface AddedEvent { notificationAdded: { id: string; seq: number; cursor: string; message: string } }
interface Change { action: string; ids: string[]; unreadCount: number; notifications: { id: string; status: string }[] }

const note = (recipientId: string, message: string, extra: Record<string, unknown> = {}) => ({
  senderId: '1',
  recipientId,
  kind: 'comment',
  message,
  ...extra,
});

let system: TestSystem;
beforeAll(async () => {
  system = await startTestSystem({ store: 'postgres' });
  await waitUntilReady(system);
});
afterAll(async () => {
  await system?.dispose();
});

async function sendMany(inputs: Record<string, unknown>[]) {
  return (await graphqlData<SendManyResult>(system.url, SEND_MANY, { inputs })).sendNotifications;
}

/** Sends and waits until each one is stored (seen by a feed that replays from the start). */
async function sendAndStore(userId: string, messages: string[]) {
  const ws = wsClient(system.wsUrl);
  const feed = wsSubscribe<AddedEvent>(ws, ADDED, { userId, after: encodeCursor(0) });
  const results = await sendMany(messages.map((m) => note(userId, m)));
  const ids = results.map((r) => r.notification!.id);
  const seen = new Set<string>();
  while (!ids.every((id) => seen.has(id))) seen.add((await feed.next()).data!.notificationAdded.id);
  await feed.close();
  await ws.dispose();
  return ids;
}

describe('read state, archive and delete', () => {
  it('changes state, pushes each change with the absolute unread count to every open tab, and rejects foreign ids', async () => {
    const [a, b, c] = await sendAndStore('4', ['first', 'second', 'third']);
    const [foreign] = await sendAndStore('3', ['not yours']);
    const tabs = [
      await sseSubscribe<{ notificationsChanged: Change }>(system.url, CHANGED, { userId: '4' }),
      await sseSubscribe<{ notificationsChanged: Change }>(system.url, CHANGED, { userId: '4' }),
    ];
    const bothTabs = async () => Promise.all(tabs.map(async (tab) => (await tab.next()).data!.notificationsChanged));
    const mutate = async (field: string, args: string) =>
      (await graphqlData<Record<string, Change>>(system.url, `mutation { ${field}(${args}) { ${CHANGE_FIELDS} } }`))[field]!;

    expect(await graphqlData(system.url, '{ unreadCount(userId: "4") }')).toEqual({ unreadCount: 3 });

    const read = await mutate('markNotificationsRead', `userId: "4", ids: ["${a}", "${a}"]`);
    expect(read).toMatchObject({ action: 'READ', ids: [a], unreadCount: 2, notifications: [{ id: a, status: 'READ' }] });
    for (const push of await bothTabs()) expect(push).toMatchObject({ action: 'READ', ids: [a], unreadCount: 2 });

    const allRead = await mutate('markAllNotificationsRead', 'userId: "4"');
    expect(allRead).toMatchObject({ action: 'ALL_READ', unreadCount: 0 });
    for (const push of await bothTabs()) expect(push).toMatchObject({ action: 'ALL_READ', unreadCount: 0 });

    const unread = await mutate('markNotificationsUnread', `userId: "4", ids: ["${b}"]`);
    expect(unread).toMatchObject({ action: 'UNREAD', unreadCount: 1, notifications: [{ id: b, status: 'UNREAD' }] });
    for (const push of await bothTabs()) expect(push).toMatchObject({ action: 'UNREAD', ids: [b], unreadCount: 1 });

    const archived = await mutate('archiveNotifications', `userId: "4", ids: ["${b}", "${c}"]`);
    expect(archived).toMatchObject({ action: 'ARCHIVED', unreadCount: 0 });
    expect(archived.notifications.map((n) => n.status)).toEqual(['ARCHIVED', 'ARCHIVED']);
    for (const push of await bothTabs()) expect(push).toMatchObject({ action: 'ARCHIVED', ids: [b, c], unreadCount: 0 });

    // Archived ones are hidden by default and listed when asked for.
    const lists = await graphqlData<Record<string, { nodes: { id: string }[]; totalCount: number }>>(
      system.url,
      `{ inbox: notifications(userId: "4") { nodes { id } totalCount }
         archived: notifications(userId: "4", filter: { status: [ARCHIVED] }) { nodes { id } totalCount } }`,
    );
    expect(lists.inbox!.nodes.map((n) => n.id)).toEqual([a]);
    expect(lists.archived!.nodes.map((n) => n.id)).toEqual([c, b]);

    // Someone else's notification is not in this inbox, like one that does not exist (the same
    // answer, so ids cannot be probed), and nothing of the request is applied.
    const rejected = await graphql(system.url, `mutation { markNotificationsUnread(userId: "4", ids: ["${a}", "${foreign}"]) { action } }`);
    expect(rejected.errors?.[0]?.extensions).toMatchObject({ code: 'NOTIFICATION_NOT_FOUND', id: foreign });
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const unknown = await graphql(system.url, `mutation { deleteNotifications(userId: "4", ids: ["${unknownId}"]) { action } }`);
    expect(unknown.errors?.[0]).toMatchObject({
      message: rejected.errors?.[0]?.message.replace(foreign!, unknownId),
      extensions: { code: 'NOTIFICATION_NOT_FOUND', id: unknownId },
    });
    const malformed = await graphql(system.url, `mutation { archiveNotifications(userId: "4", ids: ["42"]) { action } }`);
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await graphqlData(system.url, '{ unreadCount(userId: "4") }')).toEqual({ unreadCount: 0 });

    const deleted = await mutate('deleteNotifications', `userId: "4", ids: ["${a}"]`);
    expect(deleted).toMatchObject({ action: 'DELETED', ids: [a], notifications: [], unreadCount: 0 });
    for (const push of await bothTabs()) expect(push).toMatchObject({ action: 'DELETED', ids: [a] });

    // A new notification is pushed to the tabs too, with the count it brings.
    await sendAndStore('4', ['fourth']);
    for (const push of await bothTabs()) expect(push).toMatchObject({ action: 'ADDED', unreadCount: 1 });
    await Promise.all(tabs.map((tab) => tab.close()));
  });
});

describe('seen vs read', () => {
  it('pushes both absolute counts to every tab: the bell (unseen) drops to 0 on markAllNotificationsSeen, the feed (unread) stays', async () => {
    const user = `seen-${Date.now()}`;
    await graphqlData(system.url, 'mutation ($id: ID!) { upsertUser(id: $id, name: "Ada") { id } }', { id: user });
    const token = userToken(user);
    const [a, b, c] = await sendAndStore(user, ['one', 'two', 'three']);
    const SEEN_CHANGED = /* GraphQL */ `subscription { notificationsChanged { action ids unreadCount unseenCount notifications { id status seenAt readAt } } }`;
    type SeenChange = Omit<Change, 'notifications'> & { unseenCount: number; notifications: { id: string; status: string; seenAt: string | null; readAt: string | null }[] };
    // Two tabs of the user (SSE answers once the subscription is set up); the mutations come from a third.
    const tabs = [
      await sseSubscribe<{ notificationsChanged: SeenChange }>(system.url, SEEN_CHANGED, {}, { token }),
      await sseSubscribe<{ notificationsChanged: SeenChange }>(system.url, SEEN_CHANGED, {}, { token }),
    ];
    const counts = () => graphqlData<{ unreadCount: number; unseenCount: number }>(system.url, '{ unreadCount unseenCount }', {}, { token });
    const mutate = async (field: string, args = '') =>
      (await graphqlData<Record<string, SeenChange>>(system.url, `mutation { ${field}${args} { action ids unreadCount unseenCount notifications { id status seenAt readAt } } }`, {}, { token }))[field]!;
    const [d] = await sendAndStore(user, ['four']);
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'ADDED', ids: [d], unreadCount: 4, unseenCount: 4 });
    expect(await counts()).toEqual({ unreadCount: 4, unseenCount: 4 });

    const seen = await mutate('markNotificationsSeen', `(ids: ["${a}"])`);
    expect(seen).toMatchObject({ action: 'SEEN', ids: [a], unreadCount: 4, unseenCount: 3, notifications: [{ id: a, status: 'UNREAD', readAt: null }] });
    expect(seen.notifications[0]!.seenAt).toEqual(expect.any(String));
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'SEEN', ids: [a], unreadCount: 4, unseenCount: 3 });

    // Opening the bell: every tab's badge goes to 0 and its feed still shows 4 unread.
    const allSeen = await mutate('markAllNotificationsSeen');
    expect(allSeen).toEqual({ action: 'ALL_SEEN', ids: [], notifications: [], unreadCount: 4, unseenCount: 0 });
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toEqual({ action: 'ALL_SEEN', ids: [], notifications: [], unreadCount: 4, unseenCount: 0 });
    expect(await counts()).toEqual({ unreadCount: 4, unseenCount: 0 });

    // A new arrival rings the bell again.
    const [e] = await sendAndStore(user, ['five']);
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'ADDED', ids: [e], unreadCount: 5, unseenCount: 1 });

    // Reading marks seen; archiving and unarchiving keep the read state, and seen.
    const read = await mutate('markNotificationsRead', `(ids: ["${e}", "${b}"])`);
    expect(read).toMatchObject({ action: 'READ', unreadCount: 3, unseenCount: 0 });
    expect(read.notifications.map((n) => n.seenAt !== null && n.readAt !== null)).toEqual([true, true]);
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'READ', ids: [e, b], unreadCount: 3, unseenCount: 0 });
    await mutate('archiveNotifications', `(ids: ["${b}", "${c}"])`);
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'ARCHIVED', unreadCount: 2, unseenCount: 0 });
    const back = await mutate('unarchiveNotifications', `(ids: ["${b}", "${c}"])`);
    expect(back).toMatchObject({ action: 'UNARCHIVED', ids: [b, c], unreadCount: 3, unseenCount: 0 });
    expect(back.notifications.map((n) => n.status)).toEqual(['READ', 'UNREAD']);
    for (const tab of tabs) expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'UNARCHIVED', ids: [b, c], unreadCount: 3, unseenCount: 0 });

    await Promise.all(tabs.map((tab) => tab.close()));
  });
});

describe('sendNotifications', () => {
  it('answers per item: a bad item fails alone with its index and code, the good ones are stored', async () => {
    const ws = wsClient(system.wsUrl);
    const feed = wsSubscribe<AddedEvent>(ws, ADDED, { userId: '2', after: encodeCursor(0) });
    const results = await sendMany([
      note('2', 'good one'),
      note('77', 'to nobody'),
      note('2', 'good two'),
      note('2', ''),
      { ...note('2', 'system'), kind: 'system', senderId: null },
    ]);
    expect(results.map((r) => [r.index, r.error?.code ?? 'ok', r.error?.field ?? null])).toEqual([
      [0, 'ok', null],
      [1, 'USER_NOT_FOUND', 'recipientId'],
      [2, 'ok', null],
      [3, 'BAD_USER_INPUT', 'message'],
      [4, 'ok', null],
    ]);
    const received = [];
    for (let i = 0; i < 3; i += 1) received.push((await feed.next()).data!.notificationAdded.message);
    expect(received).toEqual(['good one', 'good two', 'system']);
    await feed.close();
    await ws.dispose();
  });

  it('refuses more than 1000 in one call', async () => {
    const result = await graphql(system.url, SEND_MANY, { inputs: Array.from({ length: 1001 }, (_, i) => note('2', `n${i}`)) });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('idempotency keys', () => {
  it('store and push a retried send once, for single sends and for a batch sent twice', async () => {
    const ws = wsClient(system.wsUrl);
    const feed = wsSubscribe<AddedEvent>(ws, ADDED, { userId: '1', after: encodeCursor(0) });
    const single = { senderId: '2', recipientId: '1', kind: 'like', message: 'Bruno liked your photo.', idempotencyKey: 'like-photo-9' };
    const send = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id } }`;
    const first = await graphqlData<{ sendNotification: { id: string } }>(system.url, send, { input: single });
    // A client that timed out retries the very same request.
    const retry = await graphqlData<{ sendNotification: { id: string } }>(system.url, send, { input: single });
    expect(retry.sendNotification.id).toBe(first.sendNotification.id);

    const batch = ['a', 'b', 'c'].map((key) => ({ ...single, message: `batch ${key}`, idempotencyKey: `batch-${key}` }));
    const once = (await sendMany(batch)).map((r) => r.notification!.id);
    const twice = (await sendMany(batch)).map((r) => r.notification!.id);
    expect(twice).toEqual(once);
    // The same key from another sender is another notification.
    const other = await sendMany([{ ...single, senderId: '3' }]);
    expect(other[0]!.notification!.id).not.toBe(first.sendNotification.id);
    // The same key from the same sender to someone else is someone else's notification.
    const toLena = await sendMany([{ ...single, recipientId: '4' }]);
    expect(toLena[0]!.notification!.id).not.toBe(first.sendNotification.id);

    // One user's notifications are consumed in order, so once the last one arrives every
    // duplicate before it has been consumed too: what arrived is exactly what was unique.
    const expected = [first.sendNotification.id, ...once, other[0]!.notification!.id];
    const received: string[] = [];
    while (received.length < expected.length) received.push((await feed.next()).data!.notificationAdded.id);
    expect(received).toEqual(expected);
    await feed.close();
    await ws.dispose();

    const inbox = await graphqlData<{ notifications: { totalCount: number } }>(system.url, '{ notifications(userId: "1") { totalCount } }');
    expect(inbox.notifications.totalCount).toBe(expected.length);
  });
});

describe('resuming a feed', () => {
  it('replays exactly the 50 sent while away, in order, then goes live, with no gap or duplicate', async () => {
    const userId = '3';
    const ws = wsClient(system.wsUrl);
    const feed = wsSubscribe<AddedEvent>(ws, ADDED, { userId, after: encodeCursor(0) });
    const [before] = await sendMany([note(userId, 'before the disconnect')]);
    let last: AddedEvent['notificationAdded'];
    do last = (await feed.next()).data!.notificationAdded;
    while (last.id !== before!.notification!.id);
    await feed.close();
    await ws.dispose();

    // While it is away: 50 notifications, all stored before it comes back (a watcher sees them).
    const away = await sendAndStore(userId, Array.from({ length: 50 }, (_, i) => `while away ${i}`));

    const again = wsClient(system.wsUrl);
    const resumed = wsSubscribe<AddedEvent>(again, ADDED, { userId, after: last.cursor });
    const replayed: string[] = [];
    for (let i = 0; i < 50; i += 1) replayed.push((await resumed.next()).data!.notificationAdded.id);
    expect(replayed).toEqual(away);

    const [live] = await sendMany([note(userId, 'live again')]);
    expect((await resumed.next()).data!.notificationAdded.id).toBe(live!.notification!.id);
    await resumed.close();
    await again.dispose();
  });
});

describe('a page\'s live cursor', () => {
  const PAGE = /* GraphQL */ `
    query Page($userId: ID!) { notifications(userId: $userId, first: 5) { edges { node { id } } liveCursor } }
  `;
  interface PageData { notifications: { edges: { node: { id: string } }[]; liveCursor: string } }

  it('marks where the read was, even on an empty inbox: a feed from it gets exactly what was stored after', async () => {
    const userId = `live-cursor-${Date.now()}`;
    await graphqlData(system.url, 'mutation($id: ID!) { upsertUser(id: $id, name: "Lia") { id } }', { id: userId });

    const empty = (await graphqlData<PageData>(system.url, PAGE, { userId })).notifications;
    expect(empty.edges).toEqual([]);
    // Stored after the read and before any feed listened: what a client opening an empty inbox risks missing.
    const first = await sendAndStore(userId, ['after the read', 'and another']);

    const page = (await graphqlData<PageData>(system.url, PAGE, { userId })).notifications;
    expect(page.edges.map((edge) => edge.node.id)).toEqual([...first].reverse());
    const [later] = await sendAndStore(userId, ['after the second read']);

    const ws = wsClient(system.wsUrl);
    const fromEmpty = wsSubscribe<AddedEvent>(ws, ADDED, { userId, after: empty.liveCursor });
    const replayed: string[] = [];
    for (let i = 0; i < 3; i += 1) replayed.push((await fromEmpty.next()).data!.notificationAdded.id);
    expect(replayed).toEqual([...first, later]);
    await fromEmpty.close();

    const fromPage = wsSubscribe<AddedEvent>(ws, ADDED, { userId, after: page.liveCursor });
    expect((await fromPage.next()).data!.notificationAdded.id).toBe(later);
    const [live] = await sendMany([note(userId, 'live')]);
    expect((await fromPage.next()).data!.notificationAdded.id).toBe(live!.notification!.id);
    await fromPage.close();
    await ws.dispose();
  });
});

describe('retention', () => {
  it('removes notifications older than the configured age, and keeps the rest', async () => {
    const kafka = new Kafka({ brokers: testBrokers(), clientId: 'retention-test', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const ws = wsClient(system.wsUrl);
    const feed = wsSubscribe<AddedEvent>(ws, ADDED, { userId: '2', after: encodeCursor(0) });
    const old = {
      id: '0d6f6a3e-1b7c-4f7e-8c1a-5d9e2f4b6a01',
      senderId: null,
      recipientId: '2',
      kind: 'system' as const,
      message: 'Welcome, long ago.',
      link: null,
      data: null,
      createdAt: new Date(Date.now() - 400 * 24 * 60 * 60 * 1000),
    };
    await producer.send({ topic: system.handle.topic, acks: -1, messages: [encodeEvent(old)] });
    await producer.disconnect();
    let seen: string;
    do seen = (await feed.next()).data!.notificationAdded.id;
    while (seen !== old.id);
    await feed.close();
    await ws.dispose();
    const count = async () =>
      (await graphqlData<{ notifications: { totalCount: number } }>(system.url, '{ notifications(userId: "2") { totalCount } }')).notifications
        .totalCount;
    const before = await count();

    expect(await system.retention.runOnce()).toBe(1);
    expect(await count()).toBe(before - 1);
  });
});
