/**
 * Workspaces end to end on the real broker and store (issue 17): user 2 belongs to workspaces acme
 * and globex, as a B2B product's identity provider says (the org_id claim of two tokens), and has
 * an inbox outside any workspace as before. A back end sends within each over GraphQL and the HTTP
 * API; each notification reaches only its workspace's live feeds (notificationAdded over graphql-ws,
 * notificationsChanged over SSE), with that workspace's counts, and each token reads and changes its own workspace's inbox only. Every wait
 * is on an event (a push), none on a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { adminToken, userToken } from '../support/auth.js';
import { graphql, graphqlData, sseSubscribe, wsClient, wsSubscribe } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const USER = '2';
const WORKSPACES = ['acme', 'globex', null] as const;
type Workspace = (typeof WORKSPACES)[number];
const nameOf = (workspace: Workspace) => workspace ?? 'none';

const SEND = /* GraphQL */ `mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id workspaceId } }`;
const CHANGED = /* GraphQL */ `subscription Changed { notificationsChanged { userId workspaceId action ids unreadCount unseenCount } }`;
// From the start of the inbox: a replay, then live, so nothing sent after subscribing is missed however late the subscription is set up.
const ADDED = /* GraphQL */ `subscription Added($after: String) { notificationAdded(after: $after) { id seq workspaceId message } }`;
const INBOX = /* GraphQL */ `query Inbox { notifications(first: 20) { totalCount nodes { id seq workspaceId message } } unreadCount unseenCount }`;
const READ = /* GraphQL */ `mutation Read($ids: [ID!]!) { markNotificationsRead(ids: $ids) { action ids unreadCount } }`;
const ALL_READ = /* GraphQL */ `mutation AllRead { markAllNotificationsRead { workspaceId action unreadCount } }`;

interface Change {
  userId: string;
  workspaceId: string | null;
  action: string;
  ids: string[];
  unreadCount: number;
  unseenCount: number;
}
interface Added {
  id: string;
  seq: number;
  workspaceId: string | null;
  message: string;
}

let system: TestSystem;
const tokens = {} as Record<string, string>;
const clients = {} as Record<string, Client>;
const changes = {} as Record<string, Awaited<ReturnType<typeof sseSubscribe<{ notificationsChanged: Change }>>>>;
const added = {} as Record<string, ReturnType<typeof wsSubscribe<{ notificationAdded: Added }>>>;

beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
  for (const workspace of WORKSPACES) {
    const name = nameOf(workspace);
    tokens[name] = await userToken(USER, workspace === null ? {} : { claims: { org_id: workspace } });
    clients[name] = wsClient(system.wsUrl, { token: tokens[name] });
    // Over SSE, which answers once the subscription is set up: no change published after it is missed.
    changes[name] = await sseSubscribe(system.url, CHANGED, {}, { token: tokens[name] });
    added[name] = wsSubscribe(clients[name], ADDED, { after: encodeCursor(0) });
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...Object.values(changes).map((feed) => feed.close()), ...Object.values(clients).map((client) => client.dispose())]);
  await system?.dispose();
});

const send = async (workspaceId: Workspace, message: string) =>
  (await graphqlData<{ sendNotification: { id: string; workspaceId: string | null } }>(system.url, SEND, {
    input: { recipientId: USER, senderId: '1', kind: 'comment', message, ...(workspaceId !== null && { workspaceId }) },
  })).sendNotification;

describe('workspaces', () => {
  it('pushes each notification to its own workspace feed only, with that inbox’s counts', async () => {
    const sent: Record<string, string[]> = { acme: [], globex: [], none: [] };
    // Interleaved on the one partition user 2's notifications share (the recipient is the key).
    for (const [workspace, message] of [['acme', 'acme 1'], ['globex', 'globex 1'], [null, 'none 1'], ['acme', 'acme 2']] as const) {
      const notification = await send(workspace, message);
      expect(notification.workspaceId).toBe(workspace);
      sent[nameOf(workspace)]!.push(notification.id);
    }
    // Each feed gets its own, numbered from 1 in its own inbox, and the next thing on it is the
    // last of its own: nothing of another workspace came between (the feeds are ordered).
    for (const workspace of WORKSPACES) {
      const name = nameOf(workspace);
      const got: Added[] = [];
      for (const _ of sent[name]!) got.push((await added[name]!.next()).data!.notificationAdded);
      expect(got.map((n) => [n.id, n.seq, n.workspaceId])).toEqual(sent[name]!.map((id, index) => [id, index + 1, workspace]));
      const counts: Change[] = [];
      for (const _ of sent[name]!) counts.push((await changes[name]!.next()).data!.notificationsChanged);
      // Absolute counts read when each push goes out: the last one carries the inbox's, whatever batch the rows shared.
      expect(counts.map((c) => [c.action, c.workspaceId])).toEqual(sent[name]!.map(() => ['ADDED', workspace]));
      expect(counts.at(-1)).toMatchObject({ unreadCount: sent[name]!.length, unseenCount: sent[name]!.length });
    }

    // Reading it all in acme: acme's feed is told, with acme's counts; the others learn nothing.
    const acmeToken = { token: tokens.acme };
    const { markAllNotificationsRead } = await graphqlData<{ markAllNotificationsRead: Change }>(system.url, ALL_READ, {}, acmeToken);
    expect(markAllNotificationsRead).toEqual({ workspaceId: 'acme', action: 'ALL_READ', unreadCount: 0 });
    expect((await changes.acme!.next()).data!.notificationsChanged).toMatchObject({ action: 'ALL_READ', workspaceId: 'acme', unreadCount: 0, unseenCount: 0 });

    // The next event on globex's and the no-workspace feed is their own next send, not acme's read.
    const globex = await send('globex', 'globex 2');
    expect((await changes.globex!.next()).data!.notificationsChanged).toMatchObject({ action: 'ADDED', ids: [globex.id], unreadCount: 2 });
    expect((await added.globex!.next()).data!.notificationAdded).toMatchObject({ id: globex.id, seq: 2 });
    const none = await send(null, 'none 2');
    expect((await changes.none!.next()).data!.notificationsChanged).toMatchObject({ action: 'ADDED', workspaceId: null, ids: [none.id], unreadCount: 2 });

    // Each token reads its own inbox: its rows and its counts.
    const inboxOf = async (name: string) =>
      graphqlData<{ notifications: { totalCount: number; nodes: Added[] }; unreadCount: number }>(system.url, INBOX, {}, { token: tokens[name] });
    const acme = await inboxOf('acme');
    expect(acme.notifications.nodes.map((n) => n.id)).toEqual([...sent.acme!].reverse());
    expect(acme.unreadCount).toBe(0);
    expect((await inboxOf('globex')).notifications.nodes.map((n) => n.id)).toEqual([globex.id, ...[...sent.globex!].reverse()]);
    expect((await inboxOf('none')).unreadCount).toBe(2);

    // An id of acme's inbox is not in globex's, whoever's it is: as if it did not exist.
    const foreign = await graphql(system.url, READ, { ids: [sent.acme![0]] }, { token: tokens.globex });
    expect(foreign.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'NOTIFICATION_NOT_FOUND', id: sent.acme![0] })]);
  });

  it('sends within a workspace over the HTTP API too, and refuses a workspace id that is not one, with the field', async () => {
    const response = await fetch(new URL('/v1/notifications', system.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken}` },
      body: JSON.stringify({ recipientId: USER, senderId: '1', kind: 'COMMENT', message: 'over REST, in globex', workspaceId: 'globex' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    expect((await added.globex!.next()).data!.notificationAdded).toMatchObject({ id, workspaceId: 'globex', message: 'over REST, in globex' });
    expect((await changes.globex!.next()).data!.notificationsChanged).toMatchObject({ action: 'ADDED', ids: [id], unreadCount: 3 });

    const bad = await fetch(new URL('/v1/notifications', system.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken}` },
      body: JSON.stringify({ recipientId: USER, senderId: '1', kind: 'COMMENT', message: 'nowhere', workspaceId: 'acme corp' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'BAD_USER_INPUT', field: 'workspaceId' });
    const graphqlBad = await graphql(system.url, SEND, { input: { recipientId: USER, senderId: '1', kind: 'comment', message: 'nowhere', workspaceId: '' } });
    expect(graphqlBad.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'workspaceId' })]);
  });
});
