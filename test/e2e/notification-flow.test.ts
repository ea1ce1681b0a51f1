/**
 * The whole path on real parts: a mutation over HTTP goes to the real Kafka broker, the consumer
 * group stores it, the subscriber receives it live (graphql-ws over WebSocket, and SSE), the query
 * returns it, and it is still there after the server restarts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { graphqlData, sseSubscribe, wsClient, wsSubscribe } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const SEND = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) {
    sendNotification(input: $input) { id senderId recipientId kind message createdAt }
  }
`;
const ADDED = /* GraphQL */ `
  subscription Added($userId: ID!, $after: String) {
    notificationAdded(userId: $userId, after: $after) { id seq cursor kind senderId recipientId message createdAt sender { name } }
  }
`;
const INBOX = /* GraphQL */ `
  query Inbox($userId: ID!, $first: Int, $after: String) {
    notifications(userId: $userId, first: $first, after: $after) {
      totalCount
      edges { cursor node { id seq message senderId sender { name } status } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }
`;

interface Sent { sendNotification: { id: string; senderId: string; recipientId: string; kind: string; message: string; createdAt: string } }
interface Added { notificationAdded: { id: string; seq: number; cursor: string; message: string; senderId: string; sender: { name: string } } }
interface Inbox {
  notifications: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; seq: number; message: string; senderId: string; sender: { name: string }; status: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
}

const follow = { senderId: '1', recipientId: '2', kind: 'follow', message: 'Emma started following you.' };

describe.each([
  { transport: 'graphql-ws', store: 'pglite' as const },
  { transport: 'SSE', store: 'postgres' as const },
])('a notification over $transport, stored in $store', ({ transport, store }) => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.dispose();
  });

  it('reaches the subscriber, the inbox, and survives a restart', async () => {
    system = await startTestSystem({ store });
    await waitUntilReady(system);

    const ws = wsClient(system.wsUrl);
    // Over WebSocket the subscription resumes from the start of the inbox, so it cannot miss the
    // notification however late the server registers it; over SSE the stream's headers arrive
    // only once the subscription is registered, so it listens live only.
    const subscription =
      transport === 'SSE'
        ? await sseSubscribe<Added>(system.url, ADDED, { userId: '2' })
        : wsSubscribe<Added>(ws, ADDED, { userId: '2', after: encodeCursor(0) });

    const { sendNotification: sent } = await graphqlData<Sent>(system.url, SEND, { input: follow });
    expect(sent).toMatchObject({ senderId: '1', recipientId: '2', kind: 'follow', message: 'Emma started following you.' });
    expect(sent.id).toMatch(/^[0-9a-f-]{36}$/);

    const event = await subscription.next();
    expect(event.errors).toBeUndefined();
    expect(event.data?.notificationAdded).toMatchObject({ id: sent.id, message: follow.message, senderId: '1', sender: { name: 'Emma' } });
    await subscription.close();
    await ws.dispose();

    const inbox = await graphqlData<Inbox>(system.url, INBOX, { userId: '2' });
    expect(inbox.notifications.totalCount).toBe(1);
    expect(inbox.notifications.edges.map((e) => e.node.id)).toEqual([sent.id]);
    expect(inbox.notifications.edges[0]?.node).toMatchObject({ status: 'UNREAD', sender: { name: 'Emma' } });

    await system.dispose({ keepData: true });
    system = await startTestSystem({ reuse: system.handle });
    const after = await graphqlData<Inbox>(system.url, INBOX, { userId: '2' });
    expect(after.notifications.edges.map((e) => e.node.id)).toEqual([sent.id]);
  });
});

describe('the inbox query', () => {
  let system: TestSystem;
  afterAll(async () => {
    await system?.dispose();
  });

  it('lists newest first, pages with first/after and last/before, and filters by kind', async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
    const ws = wsClient(system.wsUrl);
    const subscription = wsSubscribe<Added>(ws, ADDED, { userId: '3', after: encodeCursor(0) });

    const ids: string[] = [];
    for (const [index, sender] of ['1', '2', '4', '1', '2'].entries()) {
      const { sendNotification } = await graphqlData<Sent>(system.url, SEND, {
        input: { senderId: sender, recipientId: '3', kind: 'mention', message: `mention ${index}` },
      });
      ids.push(sendNotification.id);
    }
    // Stored when the subscriber has seen all five, in the order they were sent (one partition per user).
    const seen: string[] = [];
    while (seen.length < ids.length) seen.push((await subscription.next()).data!.notificationAdded.id);
    expect(seen).toEqual(ids);
    await subscription.close();
    await ws.dispose();

    const newestFirst = [...ids].reverse();
    const page1 = await graphqlData<Inbox>(system.url, INBOX, { userId: '3', first: 2 });
    expect(page1.notifications.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(0, 2));
    expect(page1.notifications.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(page1.notifications.totalCount).toBe(5);

    const page2 = await graphqlData<Inbox>(system.url, INBOX, { userId: '3', first: 2, after: page1.notifications.pageInfo.endCursor });
    expect(page2.notifications.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(2, 4));

    const page3 = await graphqlData<Inbox>(system.url, INBOX, { userId: '3', first: 2, after: page2.notifications.pageInfo.endCursor });
    expect(page3.notifications.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(4));
    expect(page3.notifications.pageInfo.hasNextPage).toBe(false);

    // Backwards from the oldest: the two just newer than it, still newest first.
    const oldestCursor = page3.notifications.edges[0]!.cursor;
    const back = await graphqlData<Inbox>(system.url, `query($before: String) { notifications(userId: "3", last: 2, before: $before) {
      totalCount edges { cursor node { id seq message senderId sender { name } status } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`, { before: oldestCursor });
    expect(back.notifications.edges.map((e) => e.node.id)).toEqual(newestFirst.slice(2, 4));
    expect(back.notifications.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });

    // Filtered by kind: only MENTION here, so a FOLLOW filter finds nothing and MENTION finds all.
    const kinds = await graphqlData<{ follow: { totalCount: number }; mention: { totalCount: number } }>(
      system.url,
      // One count is asked for through a fragment: it must be counted all the same.
      `{ follow: notifications(userId: "3", filter: { kind: [FOLLOW] }) { totalCount }
         mention: notifications(userId: "3", filter: { kind: [MENTION, LIKE] }) { ...Counted } }
       fragment Counted on NotificationConnection { ... on NotificationConnection { totalCount } }`,
    );
    expect(kinds).toEqual({ follow: { totalCount: 0 }, mention: { totalCount: 5 } });
  });
});
