/**
 * Action buttons end to end on the real broker and store: two buttons sent over GraphQL and over
 * the HTTP API reach the inbox as sent; buttons that break a rule are refused with the field at
 * fault; a press over HTTP reaches another tab (a second graphql-ws client) as ACTION_PRESSED with
 * the press and the counts after it, and the rules hold: the same button again answers as
 * before, the other is ACTION_ALREADY_PRESSED, a button it lacks is BAD_USER_INPUT, another
 * user's notification is NOTIFICATION_NOT_FOUND. Every wait is on an event, none on a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { adminToken, userToken } from '../support/auth.js';
import { graphql, graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const USER = '4';
const OTHER = '2';
const APPROVE = { label: 'Approve', url: null, key: 'approve' };
const VIEW = { label: 'View the request', url: '/requests/7', key: null };

const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { notification { id actions { label url key } } error { code field message } }
  }
`;
const ADDED = /* GraphQL */ `subscription Added($userId: ID!, $after: String) { notificationAdded(userId: $userId, after: $after) { id } }`;
const ADDED_IN = /* GraphQL */ `subscription AddedIn($userId: ID!, $workspaceId: ID, $after: String) {
  notificationAdded(userId: $userId, workspaceId: $workspaceId, after: $after) { id }
}`;
const NOTE = 'id status seenAt readAt actions { label url key } pressedAction { index at action { label key url } }';
const CHANGE = `action ids unreadCount unseenCount notifications { ${NOTE} }`;
const CHANGED = /* GraphQL */ `subscription Changed { notificationsChanged { ${CHANGE} } }`;
const PRESS = /* GraphQL */ `mutation Press($userId: ID, $id: ID!, $action: Int!) {
  pressNotificationAction(userId: $userId, notificationId: $id, action: $action) { ${CHANGE} }
}`;
const ONE = /* GraphQL */ `query One { notifications(first: 50, filter: { status: [UNREAD, READ, ARCHIVED] }) { nodes { ${NOTE} } } }`;

interface Note {
  id: string;
  status: string;
  seenAt: string | null;
  readAt: string | null;
  actions: { label: string; url: string | null; key: string | null }[];
  pressedAction: { index: number; at: string; action: { label: string; key: string | null; url: string | null } } | null;
}
interface Change {
  action: string;
  ids: string[];
  unreadCount: number;
  unseenCount: number;
  notifications: Note[];
}
interface SendResult {
  notification: { id: string; actions: Note['actions'] } | null;
  error: { code: string; field: string | null; message: string } | null;
}

let system: TestSystem;
let token: string;
beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
  token = await userToken(USER);
});
afterAll(async () => {
  await system?.dispose();
});

const asUser = () => ({ token });

/** Until every id is stored (a feed replaying from the start has seen it). */
async function stored(ids: readonly string[]): Promise<void> {
  const ws = wsClient(system.wsUrl);
  const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws, ADDED, { userId: USER, after: encodeCursor(0) });
  const seen = new Set<string>();
  try {
    while (!ids.every((id) => seen.has(id))) seen.add((await feed.next()).data!.notificationAdded.id);
  } finally {
    await feed.close();
    await ws.dispose();
  }
}

/** Sends as the admin service (sender 1) over GraphQL; the results, one per input. */
async function sendGraphql(inputs: Record<string, unknown>[]): Promise<SendResult[]> {
  const { sendNotifications } = await graphqlData<{ sendNotifications: SendResult[] }>(system.url, SEND_MANY, {
    inputs: inputs.map((input) => ({ senderId: '1', recipientId: USER, kind: 'comment', message: 'May I merge?', ...input })),
  });
  return sendNotifications;
}

async function sendRest(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/v1/notifications', system.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await adminToken}` },
    body: JSON.stringify({ senderId: '1', recipientId: USER, kind: 'comment', message: 'May I deploy?', ...body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const inbox = async () => (await graphqlData<{ notifications: { nodes: Note[] } }>(system.url, ONE, {}, asUser())).notifications.nodes;
const press = (id: string, action: number, as: { token: string | Promise<string> } = asUser(), userId?: string) =>
  graphql<{ pressNotificationAction: Change }>(system.url, PRESS, { id, action, ...(userId && { userId }) }, as);

describe('action buttons', () => {
  it('sends two buttons over GraphQL and over the HTTP API, and the inbox shows them as sent', async () => {
    const [viaGraphql] = await sendGraphql([{ actions: [APPROVE, { ...VIEW, label: '  View the request ' }] }]);
    expect(viaGraphql).toEqual({ notification: { id: expect.any(String), actions: [APPROVE, VIEW] }, error: null });
    const viaRest = await sendRest({ actions: [{ label: 'Deploy', key: 'deploy.now' }, { label: 'Open the build', url: 'https://ci.example.com/b/1' }] });
    expect(viaRest.status).toBe(201);
    const restId = viaRest.body.id as string;
    await stored([viaGraphql!.notification!.id, restId]);

    const nodes = await inbox();
    expect(nodes.find((n) => n.id === viaGraphql!.notification!.id)).toMatchObject({ actions: [APPROVE, VIEW], pressedAction: null });
    expect(nodes.find((n) => n.id === restId)).toMatchObject({
      actions: [
        { label: 'Deploy', key: 'deploy.now', url: null },
        { label: 'Open the build', url: 'https://ci.example.com/b/1', key: null },
      ],
      pressedAction: null,
    });
  });

  it.each([
    ['three buttons', [APPROVE, VIEW, APPROVE], 'actions'],
    ['a blank label', [{ label: '  ', key: 'approve' }], 'actions.0.label'],
    ['a label over 40 characters', [APPROVE, { label: 'x'.repeat(41), key: 'a' }], 'actions.1.label'],
    ['both url and key', [{ label: 'Both', url: '/a', key: 'a' }], 'actions.0'],
    ['neither url nor key', [{ label: 'None' }], 'actions.0'],
    ['a javascript: url', [{ label: 'Run', url: 'javascript:alert(1)' }], 'actions.0.url'],
    ['a key with a space', [{ label: 'Go', key: 'go now' }], 'actions.0.key'],
  ])('refuses %s with BAD_USER_INPUT on the field, over GraphQL and over the HTTP API', async (_name, actions, field) => {
    const [result] = await sendGraphql([{ actions }]);
    expect(result).toMatchObject({ notification: null, error: { code: 'BAD_USER_INPUT', field } });
    const rest = await sendRest({ actions });
    expect(rest.status).toBe(400);
    expect(rest.body).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('records a press over HTTP, pushes it to another tab with the counts after it, and keeps the first press', async () => {
    const results = await sendGraphql([{ actions: [APPROVE, VIEW] }, { message: 'no buttons here' }]);
    const [id, plain] = results.map((r) => r.notification!.id) as [string, string];
    await stored([id, plain]);
    const before = await graphqlData<{ unreadCount: number; unseenCount: number }>(system.url, '{ unreadCount unseenCount }', {}, asUser());

    const ws = wsClient(system.wsUrl, asUser());
    const tab = wsSubscribe<{ notificationsChanged: Change }>(ws, CHANGED);
    try {
      // graphql-ws does not say when a subscription is live: the server's count of them does.
      await metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field: 'notificationsChanged' }) >= 1, 'the other tab listening');
      const answer = await press(id, 0);
      expect(answer.errors).toBeUndefined();
      const change = answer.data!.pressNotificationAction;
      const [pressed] = change.notifications;
      expect(change).toMatchObject({ action: 'ACTION_PRESSED', ids: [id], unreadCount: before.unreadCount - 1, unseenCount: before.unseenCount - 1 });
      expect(pressed).toMatchObject({ id, status: 'READ', actions: [APPROVE, VIEW], pressedAction: { index: 0, action: APPROVE } });
      expect(pressed!.readAt).toBe(pressed!.pressedAction!.at);
      expect(pressed!.seenAt).toBe(pressed!.pressedAction!.at);
      // The other tab gets the very same change.
      expect((await tab.next()).data!.notificationsChanged).toEqual(change);

      // The same button again: answered as the first press, nothing recorded anew.
      const again = await press(id, 0);
      expect(again.data!.pressNotificationAction.notifications).toEqual(change.notifications);
      expect((await tab.next()).data!.notificationsChanged.notifications).toEqual(change.notifications);

      // The other button: refused, naming the button pressed first; the press on record stays.
      const other = await press(id, 1);
      expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'ACTION_ALREADY_PRESSED', id, pressed: 0 });
      expect(other.errors?.[0]?.message).toContain('Approve');
      expect((await inbox()).find((n) => n.id === id)).toEqual(pressed);
    } finally {
      await tab.close();
      await ws.dispose();
    }

    // A button it lacks, and one without any.
    for (const [target, action] of [[id, 2], [id, -1], [plain, 0]] as const) {
      const refused = await press(target, action);
      expect(refused.errors?.[0]?.extensions, `${target} button ${action}`).toMatchObject({ code: 'BAD_USER_INPUT', field: 'action' });
    }
    expect((await inbox()).find((n) => n.id === plain)).toMatchObject({ status: 'UNREAD', pressedAction: null });
  });

  it("refuses another user's notification as not in the inbox, and lets an admin press for the owner", async () => {
    const [result] = await sendGraphql([{ actions: [APPROVE, VIEW] }]);
    const id = result!.notification!.id;
    await stored([id]);

    const foreign = await press(id, 0, { token: await userToken(OTHER) });
    expect(foreign.errors?.[0]?.extensions).toMatchObject({ code: 'NOTIFICATION_NOT_FOUND', id });
    const malformed = await press('not-an-id', 0);
    expect(malformed.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'notificationId' });
    expect((await inbox()).find((n) => n.id === id)?.pressedAction).toBeNull();

    const byAdmin = await press(id, 1, { token: adminToken }, USER);
    expect(byAdmin.data!.pressNotificationAction.notifications[0]).toMatchObject({ id, pressedAction: { index: 1, action: VIEW } });
  });

  it("presses in a workspace's inbox with a token of that workspace, and nowhere else", async () => {
    const [result] = await sendGraphql([{ actions: [APPROVE], workspaceId: 'acme' }]);
    const id = result!.notification!.id;
    const ws = wsClient(system.wsUrl);
    const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws, ADDED_IN, { userId: USER, workspaceId: 'acme', after: encodeCursor(0) });
    try {
      while ((await feed.next()).data!.notificationAdded.id !== id);
    } finally {
      await feed.close();
      await ws.dispose();
    }
    // Outside any workspace, the user's token does not find it.
    expect((await press(id, 0)).errors?.[0]?.extensions).toMatchObject({ code: 'NOTIFICATION_NOT_FOUND', id });
    const inAcme = await press(id, 0, { token: userToken(USER, { claims: { org_id: 'acme' } }) });
    expect(inAcme.data!.pressNotificationAction).toMatchObject({ action: 'ACTION_PRESSED', notifications: [{ id, status: 'READ', pressedAction: { index: 0 } }] });
  });
});
