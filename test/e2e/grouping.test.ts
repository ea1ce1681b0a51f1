/**
 * Grouping end to end on the real broker and store (issue 17): five likes of one post from five
 * senders, sent with one group key through GraphQL and the HTTP API, are one feed item (count 5,
 * the newest actors with their names); each live push over graphql-ws carries the item as it is
 * when pushed (after that like was stored), so a tab updates the one item in place; opening the item reads all
 * five in one change, pushed to another tab with the absolute counts; the next like with the key
 * starts a new item. Wrong arguments are BAD_USER_INPUT naming the field. And @kafka-notify/react's
 * <GroupedFeed /> in two tabs shows the group as it grows, and opening it in one reads it in both.
 * Every wait is on an event (or the DOM showing it).
 */
import '../support/dom.js';
import { cleanup, fireEvent, render, waitFor, within } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GroupedFeed, InboxProvider } from '../../packages/react/src/index.js';
import { adminToken, userToken } from '../support/auth.js';
import { graphql, graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const OWNER = '4';
const SENDERS = [
  { id: '1', name: 'Emma' },
  { id: '2', name: 'Bruno' },
  { id: '3', name: 'Rick' },
  { id: 'g-mia', name: 'Mia' },
  { id: 'g-noah', name: 'Noah' },
];
const KEY = 'post-7:like';

const ITEM = 'id groupKey count unreadCount actorCount actors { id name } latest { id } createdAt updatedAt';
const ADDED = /* GraphQL */ `subscription Added { notificationAdded { id groupKey feedItem { ${ITEM} } } }`;
const CHANGED = /* GraphQL */ `subscription Changed { notificationsChanged { action ids unreadCount unseenCount } }`;
const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id groupKey } error { code field } } }
`;
const FEED = /* GraphQL */ `query Feed($first: Int, $after: String) {
  feed(first: $first, after: $after) { liveCursor pageInfo { hasNextPage endCursor } edges { cursor node { ${ITEM} } } }
}`;
const MARK = /* GraphQL */ `mutation Mark($id: ID!) { markFeedItemRead(id: $id) { action ids unreadCount unseenCount } }`;

interface Item {
  id: string;
  groupKey: string | null;
  count: number;
  unreadCount: number;
  actorCount: number;
  actors: { id: string; name: string }[];
  latest: { id: string };
  createdAt: string;
  updatedAt: string;
}
interface Added {
  notificationAdded: { id: string; groupKey: string | null; feedItem: Item | null };
}
interface Change {
  action: string;
  ids: string[];
  unreadCount: number;
  unseenCount: number;
}
interface FeedPage {
  feed: { liveCursor: string; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string; node: Item }[] };
}

let system: TestSystem;
let owner: string;
let admin: string;
beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
  [owner, admin] = await Promise.all([userToken(OWNER), adminToken]);
  for (const sender of SENDERS.slice(3)) {
    await graphqlData(system.url, /* GraphQL */ `mutation { upsertUser(id: "${sender.id}", name: "${sender.name}") { id } }`, {}, { token: admin });
  }
});
afterAll(async () => {
  await system?.dispose();
});

const asOwner = () => ({ token: owner });
const like = (senderId: string, groupKey: string | null = KEY) => ({ senderId, recipientId: OWNER, kind: 'LIKE', message: 'liked your post', groupKey });

/** Sends through the HTTP API, as a back end would. */
async function sendRest(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(new URL('/v1/notifications', system.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('grouping', () => {
  it('shows five likes with one key as one item, updated live with each, and opening it reads all five for every tab', async () => {
    const ws = wsClient(system.wsUrl, asOwner());
    const added = wsSubscribe<Added>(ws, ADDED);
    const changes = wsSubscribe<{ notificationsChanged: Change }>(ws, CHANGED);
    try {
      await metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field: 'notificationsChanged' }) >= 1 && sample(m, 'notify_subscriptions_active', { field: 'notificationAdded' }) >= 1, 'both tabs listening');

      // A mention without a key first: an item of its own.
      const [mention] = (await graphqlData<{ sendNotifications: { notification: { id: string } }[] }>(system.url, SEND_MANY, {
        inputs: [{ senderId: '2', recipientId: OWNER, kind: 'MENTION', message: 'mentioned you' }],
      }, { token: admin })).sendNotifications;
      const first = (await added.next()).data!.notificationAdded;
      expect(first).toMatchObject({ id: mention!.notification.id, groupKey: null, feedItem: { groupKey: null, count: 1, actorCount: 1, actors: [{ id: '2', name: 'Bruno' }] } });
      expect((await changes.next()).data!.notificationsChanged.action).toBe('ADDED');

      // Four likes in one GraphQL call, the fifth through the HTTP API.
      const sent = (await graphqlData<{ sendNotifications: { notification: { id: string; groupKey: string } | null }[] }>(system.url, SEND_MANY, {
        inputs: SENDERS.slice(0, 4).map((sender) => like(sender.id)),
      }, { token: admin })).sendNotifications;
      expect(sent.map((result) => result.notification?.groupKey)).toEqual([KEY, KEY, KEY, KEY]);
      const pushes: Added['notificationAdded'][] = [];
      for (let index = 0; index < 4; index += 1) pushes.push((await added.next()).data!.notificationAdded);
      const rest = await sendRest(like(SENDERS[4]!.id));
      expect(rest.status, JSON.stringify(rest.body)).toBe(201);
      pushes.push((await added.next()).data!.notificationAdded);

      // Every push names the same item, as it is when the push goes out (after that like was
      // stored; the four of one batch may all see four): never fewer than the likes pushed so far,
      // never less than the push before, five at the last.
      const itemId = pushes[0]!.feedItem!.id;
      expect(pushes.every((push) => push.groupKey === KEY && push.feedItem?.id === itemId)).toBe(true);
      const counts = pushes.map((push) => push.feedItem!.count);
      counts.forEach((count, index) => expect(count).toBeGreaterThanOrEqual(Math.max(index + 1, counts[index - 1] ?? 0)));
      expect(counts.at(-1)).toBe(5);
      const last = pushes[4]!.feedItem!;
      expect(last).toMatchObject({
        groupKey: KEY,
        count: 5,
        unreadCount: 5,
        actorCount: 5,
        actors: [{ id: 'g-noah', name: 'Noah' }, { id: 'g-mia', name: 'Mia' }, { id: '3', name: 'Rick' }],
        latest: { id: pushes[4]!.id },
      });
      expect(new Date(last.createdAt).getTime()).toBeLessThanOrEqual(new Date(last.updatedAt).getTime());
      for (let index = 0; index < 5; index += 1) expect((await changes.next()).data!.notificationsChanged.action).toBe('ADDED');

      // The feed: the likes' item on top, then the mention; one item per page walks both once.
      const page = (await graphqlData<FeedPage>(system.url, FEED, { first: 1 }, asOwner())).feed;
      expect(page.edges.map((edge) => edge.node)).toEqual([last]);
      expect(page.pageInfo.hasNextPage).toBe(true);
      const next = (await graphqlData<FeedPage>(system.url, FEED, { first: 1, after: page.pageInfo.endCursor }, asOwner())).feed;
      expect(next.edges.map((edge) => edge.node.latest.id)).toEqual([mention!.notification.id]);
      expect(next.pageInfo.hasNextPage).toBe(false);

      // Opening it: one change reads all five, the mention stays unread; the other tab is told.
      const opened = (await graphqlData<{ markFeedItemRead: Change }>(system.url, MARK, { id: itemId }, asOwner())).markFeedItemRead;
      expect(opened).toMatchObject({ action: 'READ', unreadCount: 1, unseenCount: 1 });
      expect([...opened.ids].sort()).toEqual(pushes.map((push) => push.id).sort());
      expect((await changes.next()).data!.notificationsChanged).toEqual(opened);
      const read = (await graphqlData<FeedPage>(system.url, FEED, { first: 10 }, asOwner())).feed.edges.map((edge) => edge.node);
      expect(read.map((item) => [item.id, item.count, item.unreadCount])).toEqual([
        [itemId, 5, 0],
        [first.feedItem!.id, 1, 1],
      ]);

      // The group closed when it was read: the next like with the key is a new item, on top.
      await graphqlData(system.url, SEND_MANY, { inputs: [like('1')] }, { token: admin });
      const again = (await added.next()).data!.notificationAdded;
      expect(again.feedItem).toMatchObject({ groupKey: KEY, count: 1, unreadCount: 1, actors: [{ id: '1', name: 'Emma' }] });
      expect(again.feedItem!.id).not.toBe(itemId);
      const top = (await graphqlData<FeedPage>(system.url, FEED, { first: 1 }, asOwner())).feed.edges[0]!.node;
      expect(top.id).toBe(again.feedItem!.id);
    } finally {
      await added.close();
      await changes.close();
      await ws.dispose();
    }
  });

  it('refuses a bad group key and a bad item id naming the field, and answers NOT_FOUND for an item of another inbox', async () => {
    const bad = (await graphqlData<{ sendNotifications: { error: { code: string; field: string } | null }[] }>(system.url, SEND_MANY, {
      inputs: [like('1', 'no spaces allowed'), like('1', 'x'.repeat(129)), like('1', '-leading')],
    }, { token: admin })).sendNotifications;
    expect(bad.map((result) => result.error)).toEqual([0, 1, 2].map(() => ({ code: 'BAD_USER_INPUT', field: 'groupKey' })));
    const rest = await sendRest(like('1', 'no spaces allowed'));
    expect(rest.status).toBe(400);
    expect(rest.body).toMatchObject({ code: 'BAD_USER_INPUT', field: 'groupKey' });

    const malformed = await graphql(system.url, MARK, { id: 'not-an-item' }, asOwner());
    expect(malformed.errors?.map((error) => error.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'id' })]);

    // User 4's newest item, opened with user 3's token naming itself: not found in user 3's inbox.
    const item = (await graphqlData<FeedPage>(system.url, FEED, { first: 1 }, asOwner())).feed.edges[0]!.node;
    const other = await graphql(system.url, MARK, { id: item.id }, { token: await userToken('3') });
    expect(other.errors?.map((error) => error.extensions?.code)).toEqual(['NOTIFICATION_NOT_FOUND']);
    const paging = await graphql(system.url, /* GraphQL */ `{ feed(last: 1) { edges { cursor } } }`, {}, asOwner());
    expect(paging.errors?.map((error) => error.extensions)).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'last' })]);
  });

  it('<GroupedFeed /> shows "Noah and 4 others liked your post" with the first actors, live in two tabs, and opening it reads the group in both', async () => {
    const user = 'g-react';
    await graphqlData(system.url, /* GraphQL */ `mutation { upsertUser(id: "${user}", name: "Ada") { id } }`, {}, { token: admin });
    const token = await userToken(user);
    const wrapper = ({ children }: { children: ReactNode }) => createElement(InboxProvider, { url: system.url, getToken: () => token, webSocketImpl: WebSocket }, children);
    const LIVE = { timeout: 20_000 };
    const tabs = [render(createElement(GroupedFeed), { wrapper }), render(createElement(GroupedFeed), { wrapper })];
    try {
      for (const tab of tabs) await waitFor(() => expect(tab.container.textContent).toContain('You’re all caught up.'), LIVE);
      const send = (senders: readonly { id: string }[]) =>
        graphqlData(system.url, SEND_MANY, { inputs: senders.map((sender) => ({ ...like(sender.id), recipientId: user, groupKey: 'post-9:like' })) }, { token: admin });

      await send(SENDERS.slice(0, 1));
      for (const tab of tabs) await waitFor(() => expect(tab.container.querySelector('.kn-group')?.textContent).toContain('liked your post'), LIVE);
      await send(SENDERS.slice(1));
      for (const tab of tabs) {
        await waitFor(() => expect(tab.container.querySelector('.kn-group')?.textContent).toContain('Noah and 4 others liked your post'), LIVE);
        const item = tab.container.querySelector('.kn-group')!;
        expect(tab.container.querySelectorAll('.kn-group')).toHaveLength(1);
        expect(item.getAttribute('data-count')).toBe('5');
        expect([...item.querySelectorAll('.kn-avatar')].map((avatar) => avatar.getAttribute('title'))).toEqual(['Noah', 'Mia', 'Rick']);
        expect(item.getAttribute('data-status')).toBe('UNREAD');
      }

      fireEvent.click(within(tabs[0]!.container).getByRole('button', { name: 'Open: Noah and 4 others liked your post' }));
      for (const tab of tabs) await waitFor(() => expect(tab.container.querySelector('.kn-group')?.getAttribute('data-status')).toBe('READ'), LIVE);
      const { unreadCount } = await graphqlData<{ unreadCount: number }>(system.url, '{ unreadCount }', {}, { token });
      expect(unreadCount).toBe(0);
    } finally {
      cleanup();
    }
  });
});
