/**
 * Snooze end to end on the real broker and store: a notification snoozed for two seconds leaves
 * the feed and both counts, and comes back at its time, live, to a second tab (graphql-ws) with
 * the counts after it. The periodic check is set far beyond the test, so what wakes it is the
 * timer the snooze armed on this instance. Every wait is on an event, none on a clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { userToken } from '../support/auth.js';
import { graphql, graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const USER = '4';
const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id } error { code } } }
`;
const ADDED = /* GraphQL */ `subscription Added($userId: ID!, $after: String) { notificationAdded(userId: $userId, after: $after) { id } }`;
const CHANGE = 'action ids unreadCount unseenCount notifications { id status snoozedUntil }';
const CHANGED = /* GraphQL */ `subscription Changed { notificationsChanged { ${CHANGE} } }`;
const SNOOZE = /* GraphQL */ `mutation Snooze($ids: [ID!]!, $until: DateTime!) { snoozeNotifications(ids: $ids, until: $until) { ${CHANGE} } }`;
const UNSNOOZE = /* GraphQL */ `mutation Unsnooze($ids: [ID!]!) { unsnoozeNotifications(ids: $ids) { ${CHANGE} } }`;
const FEED = /* GraphQL */ `query Feed($status: [NotificationStatus!]) {
  notifications(first: 10, filter: { status: $status }) { totalCount nodes { id status snoozedUntil } }
}`;

interface Change {
  action: string;
  ids: string[];
  unreadCount: number;
  unseenCount: number;
  notifications: { id: string; status: string; snoozedUntil: string | null }[];
}
interface Feed {
  notifications: { totalCount: number; nodes: { id: string; status: string; snoozedUntil: string | null }[] };
}

let system: TestSystem;
let token: string;
beforeAll(async () => {
  // The periodic check never comes within the test: the armed timer has to do it.
  system = await startTestSystem({ env: { SNOOZE_INTERVAL_MS: '600000' } });
  await waitUntilReady(system);
  token = await userToken(USER);
});
afterAll(async () => {
  await system?.dispose();
});

/** Sends as the admin service, and waits until each one is stored (seen by a feed replaying from the start). */
async function sendAndStore(messages: string[]): Promise<string[]> {
  const ws = wsClient(system.wsUrl);
  const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws, ADDED, { userId: USER, after: encodeCursor(0) });
  const { sendNotifications } = await graphqlData<{ sendNotifications: { notification: { id: string } | null }[] }>(system.url, SEND_MANY, {
    inputs: messages.map((message) => ({ recipientId: USER, kind: 'system', message })),
  });
  const ids = sendNotifications.map((result) => result.notification!.id);
  const stored = new Set<string>();
  while (!ids.every((id) => stored.has(id))) stored.add((await feed.next()).data!.notificationAdded.id);
  await feed.close();
  await ws.dispose();
  return ids;
}

const asUser = () => ({ token });
const feed = async (status?: string[]) => (await graphqlData<Feed>(system.url, FEED, status ? { status } : {}, asUser())).notifications;

describe('snooze', () => {
  it('takes a notification out of the feed and the counts, and brings it back live at its time, to every tab', async () => {
    const [a, b] = (await sendAndStore(['snooze me', 'stay'])) as [string, string];
    const ws = wsClient(system.wsUrl, asUser());
    const tab = wsSubscribe<{ notificationsChanged: Change }>(ws, CHANGED);
    try {
      // graphql-ws does not say when a subscription is live: the server's count of them does.
      await metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field: 'notificationsChanged' }) >= 1, 'the tab listening');
      await graphqlData(system.url, /* GraphQL */ `mutation { markNotificationsSeen(ids: ["${b}"]) { action } }`, {}, asUser());
      expect((await tab.next()).data!.notificationsChanged).toMatchObject({ action: 'SEEN', unreadCount: 2, unseenCount: 1 });

      const until = new Date(Date.now() + 2000);
      const answer = (await graphqlData<{ snoozeNotifications: Change }>(system.url, SNOOZE, { ids: [a], until: until.toISOString() }, asUser()))
        .snoozeNotifications;
      expect(answer).toEqual({
        action: 'SNOOZED',
        ids: [a],
        unreadCount: 1,
        unseenCount: 0,
        notifications: [{ id: a, status: 'SNOOZED', snoozedUntil: until.toISOString() }],
      });
      expect((await tab.next()).data!.notificationsChanged).toEqual(answer);

      // Out of the default view, listed under SNOOZED.
      expect((await feed()).nodes.map((node) => node.id)).toEqual([b]);
      expect(await feed(['SNOOZED'])).toEqual({ totalCount: 1, nodes: [{ id: a, status: 'SNOOZED', snoozedUntil: until.toISOString() }] });

      const woke = (await tab.next()).data!.notificationsChanged;
      const wokeAt = Date.now();
      expect(woke).toEqual({ action: 'UNSNOOZED', ids: [a], unreadCount: 2, unseenCount: 1, notifications: [{ id: a, status: 'UNREAD', snoozedUntil: null }] });
      // At its time, by the armed timer: far within the 10-minute check.
      expect(wokeAt).toBeGreaterThanOrEqual(until.getTime());
      expect(wokeAt - until.getTime()).toBeLessThan(1500);

      const back = await feed();
      expect(back.totalCount).toBe(2);
      expect(back.nodes.map((node) => node.id).sort()).toEqual([a, b].sort());
      expect((await feed(['SNOOZED'])).totalCount).toBe(0);
    } finally {
      await tab.close();
      await ws.dispose();
    }
  });

  it('unsnoozes at once, and gives a snoozed notification a new time', async () => {
    const [a] = (await sendAndStore(['later'])) as [string];
    const inAnHour = new Date(Date.now() + 60 * 60 * 1000);
    await graphqlData(system.url, SNOOZE, { ids: [a], until: inAnHour.toISOString() }, asUser());
    const inTwoHours = new Date(Date.now() + 2 * 60 * 60 * 1000);
    const retimed = (await graphqlData<{ snoozeNotifications: Change }>(system.url, SNOOZE, { ids: [a], until: inTwoHours.toISOString() }, asUser()))
      .snoozeNotifications;
    expect(retimed.notifications).toEqual([{ id: a, status: 'SNOOZED', snoozedUntil: inTwoHours.toISOString() }]);

    const before = (await feed()).totalCount;
    const back = (await graphqlData<{ unsnoozeNotifications: Change }>(system.url, UNSNOOZE, { ids: [a] }, asUser())).unsnoozeNotifications;
    expect(back).toMatchObject({ action: 'UNSNOOZED', ids: [a], notifications: [{ id: a, status: 'UNREAD', snoozedUntil: null }] });
    expect((await feed()).totalCount).toBe(before + 1);
    expect(back.unreadCount).toBe(before + 1);
  });

  it.each([
    ['in the past', () => new Date(Date.now() - 1000)],
    ['now', () => new Date(Date.now())],
    ['more than a year ahead', () => new Date(Date.now() + 367 * 24 * 60 * 60 * 1000)],
  ])('refuses a time %s with BAD_USER_INPUT on until', async (_name, until) => {
    const [a] = (await sendAndStore(['not snoozed'])) as [string];
    const result = await graphql(system.url, SNOOZE, { ids: [a], until: until().toISOString() }, asUser());
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });
    expect((await feed()).nodes.some((node) => node.id === a)).toBe(true);
  });
});
