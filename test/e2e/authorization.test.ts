/**
 * Authorization, over HTTP, SSE and WebSocket alike: user 2 can never read, receive or change
 * user 3's notifications, whatever the root field. One matrix of attempts, each run over every
 * transport that carries its operation; a test that fails when a root field of the schema has no
 * row; user 3's inbox checked unchanged after the whole matrix; and live feeds proving that what
 * reaches user 3 never reaches user 2.
 */
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  OperationTypeNode,
  parse,
  valueFromASTUntyped,
  type GraphQLObjectType,
} from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { schema } from '../../src/schema/index.js';
import { adminToken, sendOnlyToken, userToken } from '../support/auth.js';
import { graphql, graphqlData, sseSubscribe, wsClient, wsSubscribe, type GraphQLResponse } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

// ---------------------------------------------------------------------------------------------
// Operations. Every argument is a variable, so the answers for user "3" and user "999" come
// from the very same query text and must be identical, byte for byte.
// ---------------------------------------------------------------------------------------------

const CHANGE = 'userId action ids unreadCount unseenCount notifications { id recipientId status message }';
const Q = {
  notifications: /* GraphQL */ `query Inbox($userId: ID) {
    notifications(userId: $userId, first: 100, filter: { status: [UNREAD, READ, ARCHIVED] }) { totalCount nodes { id recipientId message status } }
  }`,
  unreadCount: /* GraphQL */ `query Unread($userId: ID) { unreadCount(userId: $userId) }`,
  unseenCount: /* GraphQL */ `query Unseen($userId: ID) { unseenCount(userId: $userId) }`,
  user: /* GraphQL */ `query User($id: ID!) { user(id: $id) { id name } }`,
  users: /* GraphQL */ `query Users { users { id name } }`,
  me: /* GraphQL */ `query Me { me { id name } }`,
  markRead: /* GraphQL */ `mutation Read($userId: ID, $ids: [ID!]!) { markNotificationsRead(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  markUnread: /* GraphQL */ `mutation Unread($userId: ID, $ids: [ID!]!) { markNotificationsUnread(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  markAllRead: /* GraphQL */ `mutation AllRead($userId: ID) { markAllNotificationsRead(userId: $userId) { ${CHANGE} } }`,
  archive: /* GraphQL */ `mutation Archive($userId: ID, $ids: [ID!]!) { archiveNotifications(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  unarchive: /* GraphQL */ `mutation Unarchive($userId: ID, $ids: [ID!]!) { unarchiveNotifications(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  // An hour ahead of when this file loads: a valid time, so only who asks decides the answer.
  snooze: /* GraphQL */ `mutation Snooze($userId: ID, $ids: [ID!]!) { snoozeNotifications(userId: $userId, ids: $ids, until: "${new Date(Date.now() + 60 * 60 * 1000).toISOString()}") { ${CHANGE} } }`,
  unsnooze: /* GraphQL */ `mutation Unsnooze($userId: ID, $ids: [ID!]!) { unsnoozeNotifications(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  markSeen: /* GraphQL */ `mutation Seen($userId: ID, $ids: [ID!]!) { markNotificationsSeen(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  markAllSeen: /* GraphQL */ `mutation AllSeen($userId: ID) { markAllNotificationsSeen(userId: $userId) { ${CHANGE} } }`,
  delete: /* GraphQL */ `mutation Delete($userId: ID, $ids: [ID!]!) { deleteNotifications(userId: $userId, ids: $ids) { ${CHANGE} } }`,
  press: /* GraphQL */ `mutation Press($userId: ID, $id: ID!) { pressNotificationAction(userId: $userId, notificationId: $id, action: 0) { ${CHANGE} } }`,
  send: /* GraphQL */ `mutation Send($input: SendNotificationInput!) {
    sendNotification(input: $input) { __typename id senderId recipientId message }
  }`,
  sendMany: /* GraphQL */ `mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { __typename id senderId recipientId message } error { code field message } }
  }`,
  upsertUser: /* GraphQL */ `mutation Upsert($id: ID!, $name: String!) { upsertUser(id: $id, name: $name) { id name } }`,
  subscribeToTopic: /* GraphQL */ `mutation Sub($topic: String!, $userIds: [ID!]!) { subscribeToTopic(topic: $topic, userIds: $userIds) { added unknownUserIds } }`,
  unsubscribeFromTopic: /* GraphQL */ `mutation Unsub($topic: String!, $userIds: [ID!]!) { unsubscribeFromTopic(topic: $topic, userIds: $userIds) }`,
  topicSubscribers: /* GraphQL */ `query Subs($topic: String!) { topicSubscribers(topic: $topic, first: 10) { nodes { id name } } }`,
  broadcastProgress: /* GraphQL */ `query Progress($id: ID!) { broadcastProgress(id: $id) { recipients done } }`,
  statsSeries: /* GraphQL */ `query Series { statsSeries(window: HOUR, from: "2025-03-01T00:00:00Z", to: "2025-03-02T00:00:00Z") { start sent } }`,
  statsRanking: /* GraphQL */ `query Ranking { statsRanking(window: DAY, at: "2025-03-01T00:00:00Z", by: RECIPIENT) { member score } }`,
  statsWindow: /* GraphQL */ `subscription StatsWindow { statsWindow(window: MINUTE) { start sent closed } }`,
  sendBroadcast: /* GraphQL */ `mutation Broadcast($input: BroadcastInput!) { sendBroadcast(input: $input) { id topic } }`,
  kinds: /* GraphQL */ `query Kinds { kinds { name critical } }`,
  registerKind: /* GraphQL */ `mutation RegisterKind($input: RegisterKindInput!) { registerKind(input: $input) { name defaultDelivery critical } }`,
  preferences: /* GraphQL */ `query Prefs($userId: ID) { preferences(userId: $userId) { timeZone kinds { kind inApp delivery critical } } }`,
  setPreferences: /* GraphQL */ `mutation SetPrefs($userId: ID, $input: PreferencesInput!) {
    setPreferences(userId: $userId, input: $input) { timeZone kinds { kind inApp delivery critical } }
  }`,
  feed: /* GraphQL */ `query Feed($userId: ID) { feed(userId: $userId, first: 10) { edges { node { id count latest { id message } } } } }`,
  markFeedItemRead: /* GraphQL */ `mutation ReadItem($userId: ID, $id: ID!) { markFeedItemRead(userId: $userId, id: $id) { ${CHANGE} } }`,
  added: /* GraphQL */ `subscription Added($userId: ID, $after: String) { notificationAdded(userId: $userId, after: $after) { id recipientId message } }`,
  changed: /* GraphQL */ `subscription Changed($userId: ID) {
    notificationsChanged(userId: $userId) { userId action ids unreadCount unseenCount notifications { id recipientId } }
  }`,
} as const;

// Workspaces (issue 17): user 3 also has an inbox in workspace acme and one in globex. A token of
// user 3 in acme (its org_id claim) reads, counts, subscribes to and changes acme's inbox only:
// never globex's, nor user 3's inbox outside any workspace. Naming globex, or initech where user 3
// has nothing, gets one and the same refusal.
const GLOBEX_SECRET = 'GLOBEX-SECRET';
/** The query with a `workspaceId` variable passed to its root field beside `userId`. */
const withWorkspace = (query: string) => query.replace('$userId: ID', '$userId: ID, $workspaceId: ID').replace('userId: $userId', 'userId: $userId, workspaceId: $workspaceId');
const W = {
  notifications: /* GraphQL */ `query WInbox($userId: ID, $workspaceId: ID) {
    notifications(userId: $userId, workspaceId: $workspaceId, first: 100, filter: { status: [UNREAD, READ, ARCHIVED] }) { totalCount nodes { id recipientId workspaceId message status } }
  }`,
  unreadCount: withWorkspace(Q.unreadCount),
  unseenCount: withWorkspace(Q.unseenCount),
  markAllRead: withWorkspace(Q.markAllRead),
  markAllSeen: withWorkspace(Q.markAllSeen),
  added: /* GraphQL */ `subscription WAdded($userId: ID, $workspaceId: ID, $after: String) {
    notificationAdded(userId: $userId, workspaceId: $workspaceId, after: $after) { id recipientId workspaceId message }
  }`,
  changed: withWorkspace(Q.changed),
  send: Q.send,
  view: /* GraphQL */ `query WView($userId: ID!, $workspaceId: ID) {
    notifications(userId: $userId, workspaceId: $workspaceId, first: 100, filter: { status: [UNREAD, READ, ARCHIVED, SNOOZED] }) {
      totalCount nodes { id seq status seenAt readAt archivedAt snoozedUntil message workspaceId }
    }
    unreadCount(userId: $userId, workspaceId: $workspaceId)
    unseenCount(userId: $userId, workspaceId: $workspaceId)
  }`,
} as const;

/** What user 3's notifications say: no answer to user 2 (or to a send-only service) may contain it. */
const SECRET = 'RICK-SECRET';
const SHARED_KEY = 'rick-weekly-digest';

type CallerName = 'user2' | 'user3' | 'user3acme' | 'sendOnly' | 'admin';
const TOKENS: Record<CallerName, Promise<string>> = {
  user2: userToken('2'),
  user3: userToken('3'),
  sendOnly: sendOnlyToken,
  admin: adminToken,
  user3acme: userToken('3', { claims: { org_id: 'acme' } }),
};

type Transport = 'http' | 'sse' | 'ws';
type Vars = Record<string, unknown>;
type Answer = GraphQLResponse<Record<string, unknown>>;

interface Stream<T> {
  next(): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

interface Sent {
  __typename: string;
  id: string;
  senderId: string | null;
  recipientId: string;
  message: string;
}
interface SendResult {
  index: number;
  notification: Sent | null;
  error: { code: string; field: string | null; message: string } | null;
}
interface ChangeAnswer {
  userId: string;
  action: string;
  ids: string[];
  unreadCount: number;
  unseenCount: number;
  notifications: { id: string; recipientId: string; status: string; message: string }[];
}
interface StoredNote {
  id: string;
  seq: number;
  status: string;
  seenAt: string | null;
  readAt: string | null;
  archivedAt: string | null;
  message: string;
  senderId: string | null;
  recipientId: string;
}
interface InboxView {
  all: { totalCount: number; nodes: StoredNote[] };
  visible: { totalCount: number };
  unreadCount: number;
  unseenCount: number;
}
interface User {
  id: string;
  name: string;
}

const VIEW = /* GraphQL */ `query View($userId: ID!) {
  all: notifications(userId: $userId, first: 100, filter: { status: [UNREAD, READ, ARCHIVED] }) {
    totalCount nodes { id seq status seenAt readAt archivedAt message senderId recipientId }
  }
  visible: notifications(userId: $userId, first: 100) { totalCount }
  unreadCount(userId: $userId)
  unseenCount(userId: $userId)
}`;

// ---------------------------------------------------------------------------------------------
// The system, the clients, and user 3's (and user 2's) inbox before anything is attempted.
// ---------------------------------------------------------------------------------------------

let system: TestSystem;
const ws = {} as Record<CallerName, Client>;

/** Notifications stored before the matrix: user 3's in several states, and a few of user 2's own. */
const seeded = {
  n3: { unread: '', read: '', archived: '', keyed: '' },
  n2: { unread: '', read: '', archived: '' },
  /** The feed item of user 3's newest notification (grouping): what markFeedItemRead would read. */
  item3: '',
};
const foreignIds = () => Object.values(seeded.n3);
let before3: InboxView;
let before2: InboxView;
let usersBefore: User[];

beforeAll(async () => {
  // Hundreds of sends below; the per-user rate limit is not what this file is about.
  system = await startTestSystem({ env: { SEND_RATE_USER: '0' } });
  await waitUntilReady(system);
  for (const caller of Object.keys(TOKENS) as CallerName[]) ws[caller] = wsClient(system.wsUrl, { token: TOKENS[caller] });

  const [unread3, read3, archived3, keyed3] = await sendAndStore('3', [
    { senderId: '1', message: `${SECRET} 1: the safe code is 4711` },
    { senderId: '1', message: `${SECRET} 2: meet at the garage` },
    { senderId: '4', message: `${SECRET} 3: the old plan` },
    { senderId: '1', message: `${SECRET} 4: weekly digest`, idempotencyKey: SHARED_KEY },
  ]);
  seeded.n3 = { unread: unread3!, read: read3!, archived: archived3!, keyed: keyed3! };
  const [unread2, read2, archived2] = await sendAndStore('2', [
    { senderId: '1', message: 'Emma liked your post.' },
    { senderId: '4', message: 'Lena followed you.' },
    { senderId: '4', message: 'Lena liked your photo.' },
  ]);
  seeded.n2 = { unread: unread2!, read: read2!, archived: archived2! };
  await asAdmin(Q.markRead, { userId: '3', ids: [seeded.n3.read] });
  await asAdmin(Q.archive, { userId: '3', ids: [seeded.n3.archived] });
  await asAdmin(Q.markRead, { userId: '2', ids: [seeded.n2.read] });
  await asAdmin(Q.archive, { userId: '2', ids: [seeded.n2.archived] });

  for (const workspaceId of ['acme', 'globex'] as const) {
    const secret = workspaceId === 'globex' ? GLOBEX_SECRET : 'acme note';
    seededIn[workspaceId] = await sendAndStoreIn(workspaceId, [`${secret} 1`, `${secret} 2`]);
  }
  workspacesBefore = { acme: await viewIn('acme'), globex: await viewIn('globex') };
  before3 = await inboxOf('3');
  before2 = await inboxOf('2');
  usersBefore = (await asAdmin<{ users: User[] }>(Q.users)).users;
  // The seeding worked as meant, or the checks below would prove little.
  expect(before3.all.nodes.map((n) => [n.id, n.status])).toEqual([
    [seeded.n3.keyed, 'UNREAD'],
    [seeded.n3.archived, 'ARCHIVED'],
    [seeded.n3.read, 'READ'],
    [seeded.n3.unread, 'UNREAD'],
  ]);
  expect(before3).toMatchObject({ all: { totalCount: 4 }, visible: { totalCount: 3 }, unreadCount: 2, unseenCount: 2 });
  const items = await asAdmin<{ feed: { edges: { node: { id: string; latest: { id: string } } }[] } }>(Q.feed, { userId: '3' });
  expect(items.feed.edges[0]?.node.latest.id).toBe(seeded.n3.keyed);
  seeded.item3 = items.feed.edges[0]!.node.id;
});

afterAll(async () => {
  await Promise.all(Object.values(ws).map((client) => client.dispose()));
  await system?.dispose();
});

function asAdmin<T = Record<string, unknown>>(query: string, variables: Vars = {}) {
  return graphqlData<T>(system.url, query, variables, { token: TOKENS.admin });
}

const inboxOf = (userId: string) => asAdmin<InboxView>(VIEW, { userId });

/** Sends to user 3 in a workspace as the admin service, and waits until every one is stored. */
async function sendAndStoreIn(workspaceId: string, messages: string[]): Promise<string[]> {
  const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws.admin, W.added, { userId: '3', workspaceId, after: encodeCursor(0) });
  const { sendNotifications } = await asAdmin<{ sendNotifications: SendResult[] }>(Q.sendMany, {
    inputs: messages.map((message) => ({ kind: 'comment', senderId: '1', recipientId: '3', workspaceId, message })),
  });
  const ids = sendNotifications.map((result) => result.notification?.id ?? `seeding failed: ${JSON.stringify(result.error)}`);
  const seen = new Set<string>();
  while (!ids.every((id) => seen.has(id))) seen.add((await within(feed.next(), `storing in ${workspaceId}`, 15_000)).data!.notificationAdded.id);
  await feed.close();
  return ids;
}

const viewIn = (workspaceId: string) => asAdmin(W.view, { userId: '3', workspaceId });
let workspacesBefore: Record<'acme' | 'globex', unknown>;

/** Fails with `what` unless `promise` settles within `ms`. */
async function within<T>(promise: Promise<T>, what: string, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends to one user as the admin service and waits until every one is stored (a replaying feed sees it). */
async function sendAndStore(recipientId: string, inputs: { senderId: string | null; message: string; idempotencyKey?: string }[]) {
  const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws.admin, Q.added, { userId: recipientId, after: encodeCursor(0) });
  const { sendNotifications } = await asAdmin<{ sendNotifications: SendResult[] }>(Q.sendMany, {
    inputs: inputs.map((input) => ({ kind: input.senderId === null ? 'system' : 'comment', recipientId, ...input })),
  });
  const ids = sendNotifications.map((result) => {
    if (!result.notification) throw new Error(`seeding failed: ${JSON.stringify(result.error)}`);
    return result.notification.id;
  });
  const seen = new Set<string>();
  while (!ids.every((id) => seen.has(id))) {
    const event = await within(feed.next(), `storing ${ids.length} notifications for user ${recipientId}`, 15_000);
    seen.add(event.data!.notificationAdded.id);
  }
  await feed.close();
  return ids;
}

/** An operation over SSE or graphql-ws; an `error` message of graphql-ws becomes `{ errors }` too. */
async function open<T>(transport: 'sse' | 'ws', as: CallerName, query: string, variables: Vars): Promise<Stream<T>> {
  if (transport === 'sse') return sseSubscribe<T>(system.url, query, variables, { token: TOKENS[as] });
  const stream = wsSubscribe<T>(ws[as], query, variables);
  return {
    next: () =>
      stream.next().catch((error: unknown) => {
        if (Array.isArray(error)) return { errors: error as NonNullable<GraphQLResponse<T>['errors']> };
        throw error;
      }),
    close: () => stream.close(),
  };
}

/** How the support clients say a stream is over: graphql-ws "complete", SSE "complete", or the end of the body. */
const STREAM_ENDED = /^(subscription ended|subscription completed|event stream ended)$/;

/**
 * One attempt at an operation, and its one answer. Over SSE and graphql-ws the stream must end
 * right after that answer: a refused subscription must not stay open and deliver later.
 */
async function attempt(transport: Transport, as: CallerName, query: string, variables: Vars): Promise<Answer> {
  if (transport === 'http') return graphql(system.url, query, variables, { token: TOKENS[as] });
  const stream = await open<Record<string, unknown>>(transport, as, query, variables);
  try {
    const answer = await within(stream.next(), `the answer over ${transport}`);
    const rest = await within(
      stream.next().then(
        (more) => ({ more }),
        (error: unknown) => ({ ended: error instanceof Error ? error.message : String(error) }),
      ),
      `the end of the stream over ${transport}`,
    );
    expect(rest, 'the operation ends after its one answer').toEqual({ ended: expect.stringMatching(STREAM_ENDED) });
    return answer;
  } finally {
    await stream.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The matrix.
// ---------------------------------------------------------------------------------------------

type Expectation =
  /** One error with this code (and, for named notifications, the foreign id); no data for the field. */
  | { denied: 'FORBIDDEN' | 'BAD_USER_INPUT' | 'NOTIFICATION_NOT_FOUND'; id?: () => string; field?: string }
  /** A successful answer, checked by `check`. */
  | { check: (answer: Answer) => void };

interface Row {
  name: string;
  as: CallerName;
  query: string;
  vars: () => Vars;
  /** The same request naming user "999", who does not exist: the answer must be identical. */
  twin999?: () => Vars;
  expect: Expectation;
  /** User 2's own notifications named alongside a foreign one: unchanged after the refusal. */
  untouched?: () => string[];
}

const forbidden: Expectation = { denied: 'FORBIDDEN' };
/** Another user's notification is "not in this inbox", exactly as one that does not exist. */
const notInInbox = (id: () => string): Expectation => ({ denied: 'NOTIFICATION_NOT_FOUND', id });
const needsUserId: Expectation = { denied: 'BAD_USER_INPUT', field: 'userId' };
const ok = (check: (answer: Answer) => void): Expectation => ({ check });

function okData<T>(answer: Answer): T {
  expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
  expect(answer.data).toBeTruthy();
  return answer.data as T;
}

/** The id-taking mutations: for each, the notification of user 3 whose state it would change. */
const ID_MUTATIONS = [
  { name: 'markNotificationsRead', query: Q.markRead, foreign: () => seeded.n3.unread, own: () => seeded.n2.unread },
  { name: 'markNotificationsUnread', query: Q.markUnread, foreign: () => seeded.n3.read, own: () => seeded.n2.read },
  { name: 'archiveNotifications', query: Q.archive, foreign: () => seeded.n3.unread, own: () => seeded.n2.unread },
  { name: 'unarchiveNotifications', query: Q.unarchive, foreign: () => seeded.n3.archived, own: () => seeded.n2.archived },
  { name: 'markNotificationsSeen', query: Q.markSeen, foreign: () => seeded.n3.unread, own: () => seeded.n2.unread },
  { name: 'snoozeNotifications', query: Q.snooze, foreign: () => seeded.n3.unread, own: () => seeded.n2.unread },
  { name: 'unsnoozeNotifications', query: Q.unsnooze, foreign: () => seeded.n3.unread, own: () => seeded.n2.unread },
  { name: 'deleteNotifications', query: Q.delete, foreign: () => seeded.n3.unread, own: () => seeded.n2.unread },
] as const;

/** A change user 3 never made: refused to everyone but user 3 and the admin. */
const MUTE_LIKE = { timeZone: 'Europe/Paris', kinds: [{ kind: 'like', inApp: false }] };
/** Every kind at its default, and UTC: what a user who never chose anything has. */
const DEFAULT_PREFERENCES = {
  timeZone: 'UTC',
  kinds: ['follow', 'mention', 'like', 'comment', 'system'].map((kind) => ({ kind, inApp: true, delivery: 'IMMEDIATE', critical: kind === 'system' })),
};

const sendInput = (extra: Vars): Vars => ({ recipientId: '3', kind: 'comment', message: 'hello from Bruno', ...extra });

/** User 3's notifications in acme and in globex, seeded before the matrix. */
const seededIn = { acme: [] as string[], globex: [] as string[] };
const inWorkspace: Expectation = { denied: 'FORBIDDEN', field: 'workspaceId' };
/** Every root field that takes a workspace, as user 3 in acme names globex (twinned with initech): refused alike. */
const WORKSPACE_FIELDS: { name: string; query: string; vars: (workspaceId: string) => Vars }[] = [
  { name: 'notifications', query: W.notifications, vars: (workspaceId) => ({ workspaceId }) },
  { name: 'unreadCount', query: W.unreadCount, vars: (workspaceId) => ({ workspaceId }) },
  { name: 'unseenCount', query: W.unseenCount, vars: (workspaceId) => ({ workspaceId }) },
  { name: 'markAllNotificationsRead', query: W.markAllRead, vars: (workspaceId) => ({ workspaceId }) },
  { name: 'markAllNotificationsSeen', query: W.markAllSeen, vars: (workspaceId) => ({ workspaceId }) },
  { name: 'notificationAdded', query: W.added, vars: (workspaceId) => ({ workspaceId, after: encodeCursor(0) }) },
  { name: 'notificationsChanged', query: W.changed, vars: (workspaceId) => ({ workspaceId }) },
  ...ID_MUTATIONS.map((m) => ({ name: m.name, query: withWorkspace(m.query), vars: (workspaceId: string) => ({ workspaceId, ids: [seededIn.globex[0]!] }) })),
  { name: 'pressNotificationAction', query: withWorkspace(Q.press), vars: (workspaceId) => ({ workspaceId, id: seededIn.globex[0]! }) },
  { name: 'feed', query: withWorkspace(Q.feed), vars: (workspaceId) => ({ workspaceId }) },
  { name: 'markFeedItemRead', query: withWorkspace(Q.markFeedItemRead), vars: (workspaceId) => ({ workspaceId, id: seeded.item3 }) },
];
const workspaceSend = (extra: Vars): Vars => ({ input: { recipientId: '2', kind: 'comment', message: 'hello from Rick', ...extra } });

const workspaceRows: Row[] = [
  ...WORKSPACE_FIELDS.map(
    (f): Row => ({
      name: `user 3 in acme: ${f.name}(workspaceId: globex)`,
      as: 'user3acme',
      query: f.query,
      vars: () => f.vars('globex'),
      twin999: () => f.vars('initech'),
      expect: inWorkspace,
    }),
  ),
  // Ids of globex's inbox, the workspace left to the token: not in this inbox, as another user's.
  ...ID_MUTATIONS.map(
    (m): Row => ({
      name: `user 3 in acme: ${m.name}(ids: [globex's])`,
      as: 'user3acme',
      query: m.query,
      vars: () => ({ ids: [seededIn.globex[0]!] }),
      expect: notInInbox(() => seededIn.globex[0]!),
    }),
  ),
  {
    name: "user 3 in acme: pressNotificationAction(globex's)",
    as: 'user3acme',
    query: Q.press,
    vars: () => ({ id: seededIn.globex[0]! }),
    expect: notInInbox(() => seededIn.globex[0]!),
  },
  // A token without a workspace is in the inbox outside any: acme's ids are not in it, and acme it may not name.
  { name: "user 3 (no workspace): markNotificationsRead(ids: [acme's])", as: 'user3', query: Q.markRead, vars: () => ({ ids: [seededIn.acme[0]!] }), expect: notInInbox(() => seededIn.acme[0]!) },
  { name: 'user 3 (no workspace): notifications(workspaceId: acme)', as: 'user3', query: W.notifications, vars: () => ({ workspaceId: 'acme' }), expect: inWorkspace },
  { name: 'user 3 (no workspace): notificationAdded(workspaceId: acme)', as: 'user3', query: W.added, vars: () => ({ workspaceId: 'acme' }), expect: inWorkspace },
  { name: 'user 3 in acme: sendNotification(workspaceId: globex)', as: 'user3acme', query: W.send, vars: () => workspaceSend({ workspaceId: 'globex' }), expect: inWorkspace },
  { name: 'user 3 (no workspace): sendNotification(workspaceId: acme)', as: 'user3', query: W.send, vars: () => workspaceSend({ workspaceId: 'acme' }), expect: inWorkspace },
  { name: 'admin service: notifications(userId: 3, workspaceId: not an id)', as: 'admin', query: W.notifications, vars: () => ({ userId: '3', workspaceId: 'acme corp' }), expect: { denied: 'BAD_USER_INPUT', field: 'workspaceId' } },
  // What the token's workspace does give: acme's inbox, and nothing else of user 3's.
  {
    name: 'user 3 in acme: notifications(), its acme inbox only',
    as: 'user3acme',
    query: W.notifications,
    vars: () => ({}),
    expect: ok((answer) => {
      const { nodes, totalCount } = okData<{ notifications: { totalCount: number; nodes: { id: string; workspaceId: string | null }[] } }>(answer).notifications;
      expect(totalCount).toBe(seededIn.acme.length);
      expect(nodes.map((n) => [n.id, n.workspaceId])).toEqual([...seededIn.acme].reverse().map((id) => [id, 'acme']));
    }),
  },
  { name: 'user 3 in acme: unreadCount(), its acme inbox', as: 'user3acme', query: W.unreadCount, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ unreadCount: seededIn.acme.length })) },
  {
    name: 'user 3 in acme: notifications(workspaceId: acme), its own named',
    as: 'user3acme',
    query: W.notifications,
    vars: () => ({ workspaceId: 'acme' }),
    expect: ok((a) => expect(okData<{ notifications: { totalCount: number } }>(a).notifications.totalCount).toBe(seededIn.acme.length)),
  },
  {
    name: 'admin service: notifications(userId: 3, workspaceId: globex)',
    as: 'admin',
    query: W.notifications,
    vars: () => ({ userId: '3', workspaceId: 'globex' }),
    expect: ok((a) =>
      expect(okData<{ notifications: { nodes: { id: string; workspaceId: string | null }[] } }>(a).notifications.nodes.map((n) => [n.id, n.workspaceId])).toEqual(
        [...seededIn.globex].reverse().map((id) => [id, 'globex']),
      ),
    ),
  },
];

const rows: Row[] = [
  ...workspaceRows,
  // --- User 2 naming user 3 (or user 999, who does not exist): refused, alike. ---
  { name: 'user 2: notifications(userId: 3)', as: 'user2', query: Q.notifications, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  { name: 'user 2: unreadCount(userId: 3)', as: 'user2', query: Q.unreadCount, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  { name: 'user 2: user(id: 3)', as: 'user2', query: Q.user, vars: () => ({ id: '3' }), twin999: () => ({ id: '999' }), expect: forbidden },
  ...ID_MUTATIONS.map(
    (m): Row => ({
      name: `user 2: ${m.name}(userId: 3, ids: [3's])`,
      as: 'user2',
      query: m.query,
      vars: () => ({ userId: '3', ids: [m.foreign()] }),
      twin999: () => ({ userId: '999', ids: [m.foreign()] }),
      expect: forbidden,
    }),
  ),
  { name: 'user 2: markAllNotificationsRead(userId: 3)', as: 'user2', query: Q.markAllRead, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  { name: 'user 2: markAllNotificationsSeen(userId: 3)', as: 'user2', query: Q.markAllSeen, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  { name: 'user 2: unseenCount(userId: 3)', as: 'user2', query: Q.unseenCount, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  { name: 'user 2: notificationAdded(userId: 3)', as: 'user2', query: Q.added, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  {
    name: 'user 2: notificationAdded(userId: 3, after: the start), a replay',
    as: 'user2',
    query: Q.added,
    vars: () => ({ userId: '3', after: encodeCursor(0) }),
    twin999: () => ({ userId: '999', after: encodeCursor(0) }),
    expect: forbidden,
  },
  { name: 'user 2: notificationsChanged(userId: 3)', as: 'user2', query: Q.changed, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  { name: 'user 2: preferences(userId: 3)', as: 'user2', query: Q.preferences, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  {
    name: 'user 2: setPreferences(userId: 3), muting LIKE',
    as: 'user2',
    query: Q.setPreferences,
    vars: () => ({ userId: '3', input: MUTE_LIKE }),
    twin999: () => ({ userId: '999', input: MUTE_LIKE }),
    expect: forbidden,
  },
  { name: 'user 2: upsertUser(id: 3)', as: 'user2', query: Q.upsertUser, vars: () => ({ id: '3', name: 'Mallory' }), twin999: () => ({ id: '999', name: 'Mallory' }), expect: forbidden },
  {
    name: 'user 2: sendNotification as user 3',
    as: 'user2',
    query: Q.send,
    vars: () => ({ input: sendInput({ senderId: '3' }) }),
    twin999: () => ({ input: sendInput({ senderId: '999' }) }),
    expect: { denied: 'FORBIDDEN', field: 'senderId' },
  },

  // --- User 2 naming itself (or no one) but user 3's notifications: refused, and nothing of it applied. ---
  ...ID_MUTATIONS.flatMap((m): Row[] => [
    {
      name: `user 2: ${m.name}(userId: 2, ids: [own, 3's])`,
      as: 'user2',
      query: m.query,
      vars: () => ({ userId: '2', ids: [m.own(), m.foreign()] }),
      expect: notInInbox(m.foreign),
      untouched: () => [m.own()],
    },
    {
      name: `user 2: ${m.name}(ids: [own, 3's])`,
      as: 'user2',
      query: m.query,
      vars: () => ({ ids: [m.own(), m.foreign()] }),
      expect: notInInbox(m.foreign),
      untouched: () => [m.own()],
    },
    { name: `user 2: ${m.name}(ids: [3's])`, as: 'user2', query: m.query, vars: () => ({ ids: [m.foreign()] }), expect: notInInbox(m.foreign) },
  ]),

  // --- Pressing a button of user 3's notification: refused before anything is read of it (its buttons included). ---
  {
    name: "user 2: pressNotificationAction(userId: 3, 3's)",
    as: 'user2',
    query: Q.press,
    vars: () => ({ userId: '3', id: seeded.n3.unread }),
    twin999: () => ({ userId: '999', id: seeded.n3.unread }),
    expect: forbidden,
  },
  { name: "user 2: pressNotificationAction(userId: 2, 3's)", as: 'user2', query: Q.press, vars: () => ({ userId: '2', id: seeded.n3.unread }), expect: notInInbox(() => seeded.n3.unread) },
  { name: "user 2: pressNotificationAction(3's)", as: 'user2', query: Q.press, vars: () => ({ id: seeded.n3.unread }), expect: notInInbox(() => seeded.n3.unread) },
  { name: "send-only service: pressNotificationAction(userId: 3, 3's)", as: 'sendOnly', query: Q.press, vars: () => ({ userId: '3', id: seeded.n3.unread }), expect: forbidden },
  { name: "admin service: pressNotificationAction(3's)", as: 'admin', query: Q.press, vars: () => ({ id: seeded.n3.unread }), expect: needsUserId },

  // --- Admin-only fields, and sending as someone else. ---
  { name: 'user 2: users', as: 'user2', query: Q.users, vars: () => ({}), expect: forbidden },
  { name: 'user 2: upsertUser(id: 2), even for itself', as: 'user2', query: Q.upsertUser, vars: () => ({ id: '2', name: 'Bruno' }), expect: forbidden },
  { name: 'user 2: registerKind', as: 'user2', query: Q.registerKind, vars: () => ({ input: { name: 'authz.user' } }), expect: forbidden },
  { name: 'user 2: kinds, every caller may list them', as: 'user2', query: Q.kinds, vars: () => ({}), expect: ok((a) => expect(okData<{ kinds: { name: string; critical: boolean }[] }>(a).kinds).toContainEqual({ name: 'system', critical: true })) },
  { name: 'user 2: sendNotification of kind SYSTEM', as: 'user2', query: Q.send, vars: () => ({ input: sendInput({ kind: 'system' }) }), expect: { denied: 'FORBIDDEN', field: 'kind' } },
  {
    name: 'user 2: sendNotification of kind SYSTEM naming itself',
    as: 'user2',
    query: Q.send,
    vars: () => ({ input: sendInput({ kind: 'system', senderId: '2' }) }),
    expect: { denied: 'FORBIDDEN', field: 'kind' },
  },
  {
    name: 'user 2: sendNotifications as user 3, as user 999, as SYSTEM: each item refused, nothing sent',
    as: 'user2',
    query: Q.sendMany,
    vars: () => ({
      inputs: [sendInput({ senderId: '3' }), sendInput({ senderId: '999' }), sendInput({ kind: 'system' }), sendInput({ senderId: '3', recipientId: '2' })],
    }),
    expect: ok((answer) => {
      const results = okData<{ sendNotifications: SendResult[] }>(answer).sendNotifications;
      expect(results.map((r) => [r.index, r.notification, r.error?.code, r.error?.field])).toEqual([
        [0, null, 'FORBIDDEN', 'senderId'],
        [1, null, 'FORBIDDEN', 'senderId'],
        [2, null, 'FORBIDDEN', 'kind'],
        [3, null, 'FORBIDDEN', 'senderId'],
      ]);
      // Naming user 3 or user 999 gets the same words.
      expect(results[1]!.error).toEqual(results[0]!.error);
    }),
  },

  // --- User 2 on its own things: allowed, and only its own. ---
  { name: 'user 2: me', as: 'user2', query: Q.me, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ me: { id: '2', name: 'Bruno' } })) },
  { name: 'user 2: user(id: 2)', as: 'user2', query: Q.user, vars: () => ({ id: '2' }), expect: ok((a) => expect(okData(a)).toEqual({ user: { id: '2', name: 'Bruno' } })) },
  ...[{}, { userId: '2' }].map(
    (vars): Row => ({
      name: `user 2: notifications(${'userId' in vars ? 'userId: 2' : ''}), its own`,
      as: 'user2',
      query: Q.notifications,
      vars: () => vars,
      expect: ok((answer) => {
        const { nodes, totalCount } = okData<{ notifications: { totalCount: number; nodes: { id: string; recipientId: string }[] } }>(answer).notifications;
        expect(totalCount).toBeGreaterThanOrEqual(before2.all.totalCount);
        expect(nodes.map((n) => n.id)).toEqual(expect.arrayContaining([seeded.n2.unread, seeded.n2.read]));
        expect(nodes.filter((n) => n.recipientId !== '2' || foreignIds().includes(n.id))).toEqual([]);
      }),
    }),
  ),
  {
    name: 'user 2: unreadCount(), its own',
    as: 'user2',
    query: Q.unreadCount,
    vars: () => ({}),
    expect: ok((a) => expect(okData<{ unreadCount: number }>(a).unreadCount).toBeGreaterThanOrEqual(before2.unreadCount)),
  },
  {
    name: 'user 2: unseenCount(), its own',
    as: 'user2',
    query: Q.unseenCount,
    vars: () => ({}),
    expect: ok((a) => expect(okData<{ unseenCount: number }>(a).unseenCount).toBeGreaterThanOrEqual(before2.unseenCount)),
  },
  {
    name: 'user 2: sendNotification as itself (senderId: 2)',
    as: 'user2',
    query: Q.send,
    vars: () => ({ input: sendInput({ senderId: '2', recipientId: '2', message: 'note to self' }) }),
    expect: ok((a) =>
      expect(okData<{ sendNotification: Sent }>(a).sendNotification).toMatchObject({ __typename: 'SentNotification', senderId: '2', recipientId: '2' }),
    ),
  },
  {
    name: 'user 2: sendNotifications as itself (senderId left out)',
    as: 'user2',
    query: Q.sendMany,
    vars: () => ({ inputs: [sendInput({ recipientId: '2', message: 'another note to self' })] }),
    expect: ok((a) =>
      expect(okData<{ sendNotifications: SendResult[] }>(a).sendNotifications).toEqual([
        { index: 0, error: null, notification: expect.objectContaining({ senderId: '2', recipientId: '2' }) },
      ]),
    ),
  },

  // --- Topics and broadcasts: admins manage subscriptions and read progress; only back ends broadcast. ---
  { name: 'user 2: subscribeToTopic(user 3)', as: 'user2', query: Q.subscribeToTopic, vars: () => ({ topic: 'post-7', userIds: ['3'] }), expect: forbidden },
  { name: 'user 2: unsubscribeFromTopic(user 3)', as: 'user2', query: Q.unsubscribeFromTopic, vars: () => ({ topic: 'post-7', userIds: ['3'] }), expect: forbidden },
  { name: 'user 2: topicSubscribers', as: 'user2', query: Q.topicSubscribers, vars: () => ({ topic: 'post-7' }), expect: forbidden },
  { name: 'user 2: broadcastProgress(id)', as: 'user2', query: Q.broadcastProgress, vars: () => ({ id: '3' }), twin999: () => ({ id: '999' }), expect: forbidden },
  {
    name: 'user 2: sendBroadcast, to every subscriber of a topic',
    as: 'user2',
    query: Q.sendBroadcast,
    vars: () => ({ input: { topic: 'all', kind: 'comment', message: 'to everyone' } }),
    expect: forbidden,
  },
  { name: 'send-only service: subscribeToTopic(user 3)', as: 'sendOnly', query: Q.subscribeToTopic, vars: () => ({ topic: 'post-7', userIds: ['3'] }), expect: forbidden },
  { name: 'send-only service: unsubscribeFromTopic(user 3)', as: 'sendOnly', query: Q.unsubscribeFromTopic, vars: () => ({ topic: 'post-7', userIds: ['3'] }), expect: forbidden },
  { name: 'send-only service: topicSubscribers', as: 'sendOnly', query: Q.topicSubscribers, vars: () => ({ topic: 'post-7' }), expect: forbidden },
  { name: 'send-only service: broadcastProgress(id)', as: 'sendOnly', query: Q.broadcastProgress, vars: () => ({ id: '3' }), expect: forbidden },

  // --- The stats consumer's figures: admins only (who receives and sends most is not a user's to read). ---
  { name: 'user 2: statsSeries', as: 'user2', query: Q.statsSeries, vars: () => ({}), expect: forbidden },
  { name: 'user 2: statsRanking', as: 'user2', query: Q.statsRanking, vars: () => ({}), expect: forbidden },
  { name: 'send-only service: statsSeries', as: 'sendOnly', query: Q.statsSeries, vars: () => ({}), expect: forbidden },
  { name: 'send-only service: statsRanking', as: 'sendOnly', query: Q.statsRanking, vars: () => ({}), expect: forbidden },
  { name: 'user 2: statsWindow', as: 'user2', query: Q.statsWindow, vars: () => ({}), expect: forbidden },
  { name: 'send-only service: statsWindow', as: 'sendOnly', query: Q.statsWindow, vars: () => ({}), expect: forbidden },

  // --- A service token that may only send: reads no inbox, changes none, manages no user. ---
  { name: 'send-only service: notifications(userId: 3)', as: 'sendOnly', query: Q.notifications, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: notifications()', as: 'sendOnly', query: Q.notifications, vars: () => ({}), expect: forbidden },
  { name: 'send-only service: unreadCount(userId: 3)', as: 'sendOnly', query: Q.unreadCount, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: user(id: 3)', as: 'sendOnly', query: Q.user, vars: () => ({ id: '3' }), expect: forbidden },
  { name: 'send-only service: users', as: 'sendOnly', query: Q.users, vars: () => ({}), expect: forbidden },
  { name: 'send-only service: upsertUser(id: 3)', as: 'sendOnly', query: Q.upsertUser, vars: () => ({ id: '3', name: 'Mallory' }), expect: forbidden },
  { name: 'send-only service: registerKind', as: 'sendOnly', query: Q.registerKind, vars: () => ({ input: { name: 'authz.sender' } }), expect: forbidden },
  { name: 'send-only service: kinds', as: 'sendOnly', query: Q.kinds, vars: () => ({}), expect: ok((a) => expect(okData<{ kinds: { name: string; critical: boolean }[] }>(a).kinds).toContainEqual({ name: 'follow', critical: false })) },
  ...ID_MUTATIONS.map(
    (m): Row => ({ name: `send-only service: ${m.name}(userId: 3)`, as: 'sendOnly', query: m.query, vars: () => ({ userId: '3', ids: [m.foreign()] }), expect: forbidden }),
  ),
  { name: 'send-only service: markAllNotificationsRead(userId: 3)', as: 'sendOnly', query: Q.markAllRead, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: markAllNotificationsSeen(userId: 3)', as: 'sendOnly', query: Q.markAllSeen, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: preferences(userId: 3)', as: 'sendOnly', query: Q.preferences, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: setPreferences(userId: 3)', as: 'sendOnly', query: Q.setPreferences, vars: () => ({ userId: '3', input: MUTE_LIKE }), expect: forbidden },
  { name: 'send-only service: unseenCount(userId: 3)', as: 'sendOnly', query: Q.unseenCount, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: notificationAdded(userId: 3)', as: 'sendOnly', query: Q.added, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: notificationsChanged(userId: 3)', as: 'sendOnly', query: Q.changed, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: 'send-only service: me is null', as: 'sendOnly', query: Q.me, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ me: null })) },
  {
    name: 'send-only service: sendNotification as user 3, to user 2',
    as: 'sendOnly',
    query: Q.send,
    vars: () => ({ input: sendInput({ senderId: '3', recipientId: '2', message: 'a back end says hi, as user 3' }) }),
    expect: ok((a) => expect(okData<{ sendNotification: Sent }>(a).sendNotification).toMatchObject({ senderId: '3', recipientId: '2' })),
  },
  {
    name: 'send-only service: sendNotifications as user 3 and as SYSTEM, to user 2',
    as: 'sendOnly',
    query: Q.sendMany,
    vars: () => ({ inputs: [sendInput({ senderId: '3', recipientId: '2' }), sendInput({ kind: 'system', recipientId: '2' })] }),
    expect: ok((a) =>
      expect(okData<{ sendNotifications: SendResult[] }>(a).sendNotifications.map((r) => [r.error, r.notification?.senderId])).toEqual([
        [null, '3'],
        [null, null],
      ]),
    ),
  },

  // --- The admin service, leaving userId out: it has no inbox of its own to default to. ---
  { name: 'admin service: notifications()', as: 'admin', query: Q.notifications, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: unreadCount()', as: 'admin', query: Q.unreadCount, vars: () => ({}), expect: needsUserId },
  ...ID_MUTATIONS.map((m): Row => ({ name: `admin service: ${m.name}(ids: [3's])`, as: 'admin', query: m.query, vars: () => ({ ids: [m.foreign()] }), expect: needsUserId })),
  { name: 'admin service: markAllNotificationsRead()', as: 'admin', query: Q.markAllRead, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: markAllNotificationsSeen()', as: 'admin', query: Q.markAllSeen, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: unseenCount()', as: 'admin', query: Q.unseenCount, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: notificationAdded()', as: 'admin', query: Q.added, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: notificationsChanged()', as: 'admin', query: Q.changed, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: preferences()', as: 'admin', query: Q.preferences, vars: () => ({}), expect: needsUserId },
  { name: 'admin service: setPreferences()', as: 'admin', query: Q.setPreferences, vars: () => ({ input: MUTE_LIKE }), expect: needsUserId },
  { name: 'admin service: me is null', as: 'admin', query: Q.me, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ me: null })) },
  {
    // A seeded kind as it is, so the preferences rows after it list the same kinds.
    name: 'admin service: registerKind(like), as it is',
    as: 'admin',
    query: Q.registerKind,
    vars: () => ({ input: { name: 'like', description: "Someone liked something of the user's." } }),
    expect: ok((a) => expect(okData(a)).toEqual({ registerKind: { name: 'like', defaultDelivery: 'IMMEDIATE', critical: false } })),
  },
  {
    name: 'admin service: users',
    as: 'admin',
    query: Q.users,
    vars: () => ({}),
    expect: ok((a) => expect(okData<{ users: User[] }>(a).users).toEqual(expect.arrayContaining([{ id: '3', name: 'Rick' }]))),
  },
  {
    name: 'admin service: upsertUser(id: 4), the same name again',
    as: 'admin',
    query: Q.upsertUser,
    vars: () => ({ id: '4', name: 'Lena' }),
    expect: ok((a) => expect(okData(a)).toEqual({ upsertUser: { id: '4', name: 'Lena' } })),
  },

  // --- User 3 on its own inbox: the very queries refused to user 2 do answer its owner. ---
  {
    name: 'user 3: notifications(userId: 3), its own',
    as: 'user3',
    query: Q.notifications,
    vars: () => ({ userId: '3' }),
    expect: ok((answer) => {
      const { notifications } = okData<{ notifications: { totalCount: number; nodes: { id: string; status: string }[] } }>(answer);
      expect(notifications.totalCount).toBe(before3.all.totalCount);
      expect(notifications.nodes.map((n) => [n.id, n.status])).toEqual(before3.all.nodes.map((n) => [n.id, n.status]));
    }),
  },
  { name: 'user 3: unreadCount(), its own', as: 'user3', query: Q.unreadCount, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ unreadCount: before3.unreadCount })) },
  { name: 'user 3: unseenCount(), its own', as: 'user3', query: Q.unseenCount, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ unseenCount: before3.unseenCount })) },
  { name: 'user 3: user(id: 3)', as: 'user3', query: Q.user, vars: () => ({ id: '3' }), expect: ok((a) => expect(okData(a)).toEqual({ user: { id: '3', name: 'Rick' } })) },
  { name: 'user 3: me', as: 'user3', query: Q.me, vars: () => ({}), expect: ok((a) => expect(okData(a)).toEqual({ me: { id: '3', name: 'Rick' } })) },
  {
    name: 'user 3: preferences(), its own, untouched by every refused setPreferences',
    as: 'user3',
    query: Q.preferences,
    vars: () => ({}),
    expect: ok((a) => expect(okData(a)).toEqual({ preferences: DEFAULT_PREFERENCES })),
  },
  {
    name: 'admin service: preferences(userId: 3)',
    as: 'admin',
    query: Q.preferences,
    vars: () => ({ userId: '3' }),
    expect: ok((a) => expect(okData(a)).toEqual({ preferences: DEFAULT_PREFERENCES })),
  },
  {
    name: 'user 2: preferences(), its own',
    as: 'user2',
    query: Q.preferences,
    vars: () => ({}),
    expect: ok((a) => expect(okData(a)).toEqual({ preferences: DEFAULT_PREFERENCES })),
  },

  // --- Grouping: the feed of items, and opening one (its id names its inbox). ---
  { name: 'user 2: feed(userId: 3)', as: 'user2', query: Q.feed, vars: () => ({ userId: '3' }), twin999: () => ({ userId: '999' }), expect: forbidden },
  {
    name: "user 2: markFeedItemRead(userId: 3, id: 3's item)",
    as: 'user2',
    query: Q.markFeedItemRead,
    vars: () => ({ userId: '3', id: seeded.item3 }),
    twin999: () => ({ userId: '999', id: seeded.item3 }),
    expect: forbidden,
  },
  // The id argument naming user 3 outright, as every other id argument is tried.
  { name: 'user 2: markFeedItemRead(userId: 3, id: 3)', as: 'user2', query: Q.markFeedItemRead, vars: () => ({ userId: '3', id: '3' }), twin999: () => ({ userId: '999', id: '999' }), expect: forbidden },
  { name: "user 2: markFeedItemRead(id: 3's item)", as: 'user2', query: Q.markFeedItemRead, vars: () => ({ id: seeded.item3 }), expect: notInInbox(() => seeded.item3) },
  { name: "user 2: markFeedItemRead(userId: 2, id: 3's item)", as: 'user2', query: Q.markFeedItemRead, vars: () => ({ userId: '2', id: seeded.item3 }), expect: notInInbox(() => seeded.item3) },
  { name: 'send-only service: feed(userId: 3)', as: 'sendOnly', query: Q.feed, vars: () => ({ userId: '3' }), expect: forbidden },
  { name: "send-only service: markFeedItemRead(userId: 3, id: 3's item)", as: 'sendOnly', query: Q.markFeedItemRead, vars: () => ({ userId: '3', id: seeded.item3 }), expect: forbidden },
  { name: 'send-only service: markFeedItemRead(userId: 3, id: 3)', as: 'sendOnly', query: Q.markFeedItemRead, vars: () => ({ userId: '3', id: '3' }), expect: forbidden },
  { name: 'admin service: feed()', as: 'admin', query: Q.feed, vars: () => ({}), expect: needsUserId },
  { name: "admin service: markFeedItemRead(id: 3's item)", as: 'admin', query: Q.markFeedItemRead, vars: () => ({ id: seeded.item3 }), expect: needsUserId },
  {
    name: 'user 3: feed(), its own: one item per notification (none has a group key)',
    as: 'user3',
    query: Q.feed,
    vars: () => ({}),
    expect: ok((a) =>
      expect(okData<{ feed: { edges: { node: { count: number; latest: { id: string } } }[] } }>(a).feed.edges.map((edge) => [edge.node.latest.id, edge.node.count])).toEqual(
        before3.all.nodes.filter((n) => n.status !== 'ARCHIVED').map((n) => [n.id, 1]),
      ),
    ),
  },
];

const operationOf = (query: string): OperationTypeNode => {
  const [definition] = parse(query).definitions;
  if (definition?.kind !== Kind.OPERATION_DEFINITION) throw new Error(`not an operation: ${query}`);
  return definition.operation;
};

/** The one root field a row asks for, with its arguments as the server will see them. */
function rootFieldOf(query: string, variables: Vars): { operation: OperationTypeNode; field: string; args: Record<string, unknown> } {
  const definitions = parse(query).definitions;
  const [definition] = definitions;
  if (definitions.length !== 1 || definition?.kind !== Kind.OPERATION_DEFINITION) throw new Error(`one operation per row: ${query}`);
  const selections = definition.selectionSet.selections;
  const [field] = selections;
  if (selections.length !== 1 || field?.kind !== Kind.FIELD) throw new Error(`one root field per row: ${query}`);
  return {
    operation: definition.operation,
    field: field.name.value,
    args: Object.fromEntries((field.arguments ?? []).map((arg) => [arg.name.value, valueFromASTUntyped(arg.value, variables)])),
  };
}

/** Nothing of user 3 in an answer to someone who may not read it. */
function expectNoLeak(answer: Answer) {
  const text = JSON.stringify(answer);
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain('Rick');
}

function expectAnswer(row: Row, answer: Answer) {
  if ('check' in row.expect) {
    row.expect.check(answer);
  } else {
    const { denied, id, field } = row.expect;
    expect(answer.errors, JSON.stringify(answer)).toHaveLength(1);
    expect(answer.errors![0]!.extensions).toMatchObject({ code: denied, ...(id && { id: id() }), ...(field && { field }) });
    // Nothing of the field: no data, or the (nullable) field itself null.
    for (const value of Object.values(answer.data ?? {})) expect(value).toBeNull();
  }
  if (row.as === 'user2' || row.as === 'sendOnly') expectNoLeak(answer);
  // User 3 in acme: nothing of its globex inbox, nor of its inbox outside any workspace.
  if (row.as === 'user3acme') expect(JSON.stringify(answer)).not.toMatch(new RegExp(`${GLOBEX_SECRET}|${SECRET}`));
}

const statusesOf = (view: InboxView, ids: readonly string[]) =>
  ids.map((id) => {
    const note = view.all.nodes.find((n) => n.id === id);
    return note && { id, status: note.status, seenAt: note.seenAt, readAt: note.readAt, archivedAt: note.archivedAt };
  });

describe('the authorization matrix', () => {
  for (const row of rows) {
    const transports: Transport[] = operationOf(row.query) === OperationTypeNode.SUBSCRIPTION ? ['sse', 'ws'] : ['http', 'sse', 'ws'];
    for (const transport of transports) {
      it(`${row.name} [${transport}]`, async () => {
        const untouched = row.untouched?.() ?? [];
        const before = untouched.length > 0 ? await inboxOf('2') : null;
        const answer = await attempt(transport, row.as, row.query, row.vars());
        expectAnswer(row, answer);
        if (row.twin999) {
          const twin = await attempt(transport, row.as, row.query, row.twin999());
          expect(twin, 'naming user 999, who does not exist, gets the very same answer as naming user 3').toEqual(answer);
        }
        if (before) {
          expect(statusesOf(await inboxOf('2'), untouched), 'the refused request changed nothing, not even the own notification').toEqual(
            statusesOf(before, untouched),
          );
        }
      });
    }
  }

  it("leaves user 3's inbox, and the users, exactly as they were", async () => {
    // A barrier: user 3's notifications are consumed in order (the recipient is the Kafka key),
    // so once this one is stored, anything put on the log for user 3 before it is stored too.
    const newest = Math.max(...before3.all.nodes.map((n) => n.seq));
    const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws.admin, Q.added, { userId: '3', after: encodeCursor(newest) });
    const { sendNotification: barrier } = await asAdmin<{ sendNotification: Sent }>(Q.send, {
      input: { recipientId: '3', kind: 'system', message: 'barrier' },
    });
    const arrived: string[] = [];
    while (arrived.at(-1) !== barrier.id) arrived.push((await within(feed.next(), 'the barrier', 15_000)).data!.notificationAdded.id);
    await feed.close();
    expect(arrived, 'nothing but the barrier was added to user 3 since the snapshot').toEqual([barrier.id]);
    await asAdmin(Q.delete, { userId: '3', ids: [barrier.id] });

    expect(await inboxOf('3')).toEqual(before3);
    expect((await asAdmin<{ users: User[] }>(Q.users)).users).toEqual(usersBefore);
    expect(await asAdmin(Q.user, { id: '999' }), 'no refused upsertUser created user 999').toEqual({ user: null });
    // User 2's own notifications, named beside user 3's in refused requests, are as they were too.
    const seeded2 = Object.values(seeded.n2);
    expect(statusesOf(await inboxOf('2'), seeded2)).toEqual(statusesOf(before2, seeded2));
  });
});

describe('the authorization matrix, workspaces', () => {
  it("leaves user 3's acme and globex inboxes exactly as they were", async () => {
    // A barrier per inbox, as for user 3's inbox outside any workspace: once it is stored, nothing put before it is in flight.
    for (const workspaceId of ['acme', 'globex'] as const) {
      const [barrier] = await sendAndStoreIn(workspaceId, ['barrier']);
      await asAdmin(withWorkspace(Q.delete), { userId: '3', workspaceId, ids: [barrier] });
      expect(await viewIn(workspaceId), workspaceId).toEqual(workspacesBefore[workspaceId]);
    }
  });
});

describe('the matrix covers the schema', () => {
  const roots: [OperationTypeNode, GraphQLObjectType | null | undefined][] = [
    [OperationTypeNode.QUERY, schema.getQueryType()],
    [OperationTypeNode.MUTATION, schema.getMutationType()],
    [OperationTypeNode.SUBSCRIPTION, schema.getSubscriptionType()],
  ];

  it('has rows for every root field: user 2 on it, and on each way it can name someone else', () => {
    const described = rows.map((row) => ({ row, ...rootFieldOf(row.query, row.vars()), twin: row.twin999 && rootFieldOf(row.query, row.twin999()) }));
    const problems: string[] = [];
    let fields = 0;
    for (const [operation, type] of roots) {
      for (const field of Object.values(type?.getFields() ?? {})) {
        fields += 1;
        const where = `${operation} ${field.name}`;
        const mine = described.filter((d) => d.operation === operation && d.field === field.name);
        const user2 = mine.filter((d) => d.row.as === 'user2');
        if (user2.length === 0) problems.push(`${where}: no row for user 2`);
        for (const arg of field.args) {
          if (arg.name === 'userId' || arg.name === 'id') {
            if (!user2.some((d) => d.args[arg.name] === '3' && d.twin?.args[arg.name] === '999')) {
              problems.push(`${where}: no row where user 2 names user 3 in ${arg.name}, twinned with user 999`);
            }
            if (!mine.some((d) => d.row.as === 'sendOnly' && d.args[arg.name] === '3')) {
              problems.push(`${where}: no row where a send-only service names user 3 in ${arg.name}`);
            }
          }
          if (arg.name === 'userId' && !mine.some((d) => d.row.as === 'admin' && d.args.userId === undefined && d.row.expect === needsUserId)) {
            problems.push(`${where}: no row where the admin service leaves userId out`);
          }
          if (arg.name === 'workspaceId') {
            const named = (d: { args: Record<string, unknown> }, workspaceId: string) => d.args.workspaceId === workspaceId;
            if (!mine.some((d) => d.row.as === 'user3acme' && named(d, 'globex') && d.twin && named(d.twin, 'initech') && d.row.expect === inWorkspace)) {
              problems.push(`${where}: no row where user 3 in acme names globex in workspaceId, twinned with initech`);
            }
          }
          if (arg.name === 'ids') {
            const foreign = (d: (typeof described)[number]) =>
              Array.isArray(d.args.ids) && d.args.ids.some((id) => foreignIds().includes(String(id)));
            if (!user2.some((d) => foreign(d) && d.args.userId === '2')) problems.push(`${where}: no row with user 3's ids naming user 2`);
            if (!user2.some((d) => foreign(d) && d.args.userId === undefined)) problems.push(`${where}: no row with user 3's ids, userId left out`);
          }
          if (getNamedType(arg.type).name === 'SendNotificationInput') {
            const inputsOf = (args: Record<string, unknown> | undefined) => [args?.[arg.name] ?? []].flat() as Record<string, unknown>[];
            const asOther = user2.some((d) => {
              const all = [...inputsOf(d.args), ...inputsOf(d.twin?.args)];
              return all.some((i) => i.senderId === '3') && all.some((i) => i.senderId === '999');
            });
            if (!asOther) problems.push(`${where}: no row where user 2 sends as user 3 and as user 999`);
            if (!user2.some((d) => inputsOf(d.args).some((i) => i.kind === 'system'))) problems.push(`${where}: no row where user 2 sends as SYSTEM`);
          }
        }
      }
    }
    expect(fields, 'the schema has root fields at all').toBeGreaterThanOrEqual(15);
    expect(problems).toEqual([]);
  });

  it("gives a sender nothing of the recipient's inbox: the send answers reach no inbox type", () => {
    const inboxTypes = ['Notification', 'NotificationConnection', 'NotificationEdge', 'InboxChange', 'PageInfo'];
    const reached = new Set<string>();
    const visit = (name: string) => {
      if (reached.has(name)) return;
      reached.add(name);
      const type = schema.getType(name);
      if (!isObjectType(type) && !isInterfaceType(type)) return;
      for (const field of Object.values(type.getFields())) {
        // An argument would let the answer be asked about something else.
        expect(field.args, `${name}.${field.name} takes no arguments`).toEqual([]);
        visit(getNamedType(field.type).name);
      }
    };
    for (const field of [schema.getMutationType()?.getFields().sendNotification, schema.getMutationType()?.getFields().sendNotifications]) {
      expect(field).toBeDefined();
      visit(getNamedType(field!.type).name);
    }
    expect(reached).toContain('SentNotification');
    expect([...reached].filter((name) => inboxTypes.includes(name))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Live feeds: what reaches user 3 reaches user 3's feeds, and never user 2's.
// ---------------------------------------------------------------------------------------------

interface Fact {
  /** Every user the event is about: the recipient, or the inbox owner and the notifications' recipients. */
  owners: string[];
  ids: string[];
  action: string;
}

interface AddedEvent {
  notificationAdded: { id: string; recipientId: string };
}
interface ChangedEvent {
  notificationsChanged: { userId: string; action: string; ids: string[]; notifications: { id: string; recipientId: string }[] };
}

function factOf(event: GraphQLResponse<AddedEvent | ChangedEvent>): Fact {
  if (event.errors?.length || !event.data) return { owners: ['<error>'], ids: [], action: JSON.stringify(event.errors) };
  if ('notificationAdded' in event.data) {
    const n = event.data.notificationAdded;
    return { owners: [n.recipientId], ids: [n.id], action: 'ADDED' };
  }
  const c = event.data.notificationsChanged;
  return { owners: [c.userId, ...c.notifications.map((n) => n.recipientId)], ids: [...c.ids, ...c.notifications.map((n) => n.id)], action: c.action };
}

/** Reads a feed in the background and keeps every event, so a test can wait on the one it needs. */
class Recorder {
  readonly facts: Fact[] = [];
  private ended = false;
  private wake: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly stream: Stream<AddedEvent | ChangedEvent>,
  ) {
    void this.pump();
  }

  private async pump() {
    for (;;) {
      try {
        this.facts.push(factOf(await this.stream.next()));
      } catch {
        this.ended = true;
        this.notify();
        return;
      }
      this.notify();
    }
  }

  private notify() {
    const waiting = this.wake;
    this.wake = [];
    for (const resolve of waiting) resolve();
  }

  /** Index of the first event that matches, waiting up to `ms` for it; -1 if none came. */
  async indexOf(match: (fact: Fact) => boolean, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const index = this.facts.findIndex(match);
      if (index >= 0 || this.ended) return index;
      const left = deadline - Date.now();
      if (left <= 0) return -1;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async expectArrives(match: (fact: Fact) => boolean, what: string, ms = 15_000): Promise<number> {
    const index = await this.indexOf(match, ms);
    expect(index, `${this.name}: ${what}`).toBeGreaterThanOrEqual(0);
    return index;
  }

  close() {
    return this.stream.close();
  }
}

describe("live feeds: what reaches user 3 never reaches user 2's feeds", () => {
  const recorders: Recorder[] = [];
  afterAll(async () => {
    await Promise.all(recorders.map((recorder) => recorder.close()));
  });

  async function watch(as: CallerName, transport: 'sse' | 'ws', field: 'added' | 'changed', vars: Vars) {
    const name = `${as} ${field === 'added' ? 'notificationAdded' : 'notificationsChanged'}(${JSON.stringify(vars)}) over ${transport}`;
    const recorder = new Recorder(name, await open<AddedEvent | ChangedEvent>(transport, as, Q[field], vars));
    recorders.push(recorder);
    return recorder;
  }

  it("delivers user 3's notifications and changes to user 3's feeds, and not one of them to user 2's", async () => {
    const feeds3 = [
      await watch('user3', 'sse', 'added', {}),
      await watch('user3', 'ws', 'added', { userId: '3' }),
      await watch('user3', 'sse', 'changed', { userId: '3' }),
      await watch('user3', 'ws', 'changed', {}),
    ];
    const feeds2: Recorder[] = [];
    for (const transport of ['sse', 'ws'] as const) {
      for (const vars of [{}, { userId: '2' }]) {
        feeds2.push(await watch('user2', transport, 'added', vars));
        feeds2.push(await watch('user2', transport, 'changed', vars));
      }
    }
    // A replay of user 2's inbox from the start: only user 2's notifications in it.
    feeds2.push(await watch('user2', 'ws', 'added', { after: encodeCursor(0) }));
    const changed3 = feeds3.filter((f) => f.name.includes('notificationsChanged'));

    // graphql-ws does not say when a subscription is live: ping both users until every feed has
    // heard something, so none of the checks below watches a feed that is not listening yet.
    const ofUser3 = new Set(foreignIds());
    const ofUser2 = new Set<string>();
    const all = [...feeds3, ...feeds2];
    const deadline = Date.now() + 15_000;
    while (!all.every((feed) => feed.facts.length > 0)) {
      expect(Date.now(), `feeds not live: ${all.filter((f) => f.facts.length === 0).map((f) => f.name).join('; ')}`).toBeLessThan(deadline);
      const { sendNotifications: pings } = await asAdmin<{ sendNotifications: SendResult[] }>(Q.sendMany, {
        inputs: [
          { senderId: '1', recipientId: '2', kind: 'like', message: 'ping for Bruno' },
          { senderId: '1', recipientId: '3', kind: 'like', message: `${SECRET} ping` },
        ],
      });
      ofUser2.add(pings[0]!.notification!.id);
      ofUser3.add(pings[1]!.notification!.id);
      await Promise.all(all.map((feed) => feed.indexOf(() => true, 1_000)));
    }

    // To user 3: one from a back end, and one from user 2 itself, which a user may send.
    const { sendNotification: fromEmma } = await asAdmin<{ sendNotification: Sent }>(Q.send, {
      input: { senderId: '1', recipientId: '3', kind: 'mention', message: `${SECRET}: Emma mentioned you` },
    });
    const fromBruno = okData<{ sendNotification: Sent }>(
      await graphql(system.url, Q.send, { input: { recipientId: '3', kind: 'comment', message: `${SECRET}: Bruno commented`, idempotencyKey: SHARED_KEY } }, { token: TOKENS.user2 }),
    ).sendNotification;
    // The answer is what was just sent, and no more: not the inbox, and with the same key not
    // the notification someone else sent user 3 with it.
    expect(fromBruno).toEqual({ __typename: 'SentNotification', id: expect.any(String), senderId: '2', recipientId: '3', message: `${SECRET}: Bruno commented` });
    expect(fromBruno.id).not.toBe(seeded.n3.keyed);
    ofUser3.add(fromEmma.id).add(fromBruno.id);
    for (const feed of feeds3) {
      for (const id of [fromEmma.id, fromBruno.id]) await feed.expectArrives((f) => f.action === 'ADDED' && f.ids.includes(id), `receives ${id}`);
    }

    // Changes to user 3's inbox, by user 3 and by the admin service.
    const asUser3 = (query: string, variables: Vars) => graphqlData<Record<string, ChangeAnswer>>(system.url, query, variables, { token: TOKENS.user3 });
    expect((await asUser3(Q.markRead, { ids: [fromEmma.id] })).markNotificationsRead).toMatchObject({ userId: '3', action: 'READ', ids: [fromEmma.id] });
    expect((await asUser3(Q.markAllRead, {})).markAllNotificationsRead).toMatchObject({ userId: '3', action: 'ALL_READ', unreadCount: 0, unseenCount: 0 });
    await asAdmin(Q.archive, { userId: '3', ids: [fromBruno.id] });
    await asAdmin(Q.unarchive, { userId: '3', ids: [fromBruno.id] });
    await asUser3(Q.markUnread, { ids: [fromBruno.id] });
    expect((await asUser3(Q.markAllSeen, {})).markAllNotificationsSeen).toMatchObject({ userId: '3', action: 'ALL_SEEN', unreadCount: 1, unseenCount: 0 });
    for (const feed of changed3) {
      await feed.expectArrives((f) => f.action === 'READ' && f.ids.includes(fromEmma.id), 'receives READ');
      await feed.expectArrives((f) => f.action === 'ALL_READ', 'receives ALL_READ');
      await feed.expectArrives((f) => f.action === 'ARCHIVED' && f.ids.includes(fromBruno.id), 'receives ARCHIVED');
      await feed.expectArrives((f) => f.action === 'UNARCHIVED' && f.ids.includes(fromBruno.id), 'receives UNARCHIVED');
      await feed.expectArrives((f) => f.action === 'ALL_SEEN', 'receives ALL_SEEN');
    }

    // Everything for user 3 has been delivered. Now a canary to user 2: up to it, each of user
    // 2's feeds holds only user 2's own notifications and changes.
    const { sendNotification: canary } = await asAdmin<{ sendNotification: Sent }>(Q.send, {
      input: { senderId: '4', recipientId: '2', kind: 'follow', message: 'canary for Bruno' },
    });
    for (const feed of feeds2) {
      const index = await feed.expectArrives((f) => f.action === 'ADDED' && f.ids.includes(canary.id), 'receives the canary');
      const upToCanary = feed.facts.slice(0, index + 1);
      expect(upToCanary.filter((f) => f.owners.some((owner) => owner !== '2') || f.ids.some((id) => ofUser3.has(id))), feed.name).toEqual([]);
    }
    for (const feed of feeds3) {
      expect(feed.facts.filter((f) => f.owners.some((owner) => owner !== '3') || f.ids.some((id) => ofUser2.has(id) || id === canary.id)), feed.name).toEqual([]);
    }
  });
});
