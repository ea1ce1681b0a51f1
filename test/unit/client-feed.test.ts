/**
 * The client's feed and unread count over a scripted connection: what they read and subscribe to,
 * when, and what they do with answers that arrive late, fail, or race a push. The real
 * connection's part is covered against the server (test/client/inbox.test.ts); here each answer
 * is released by the test, so every ordering is exact.
 */
import { describe, expect, it } from 'vitest';
import type { InboxConnection } from '../../packages/client/src/connection.js';
import { createFeed } from '../../packages/client/src/feed.js';
import type { InboxChange, Notification } from '../../packages/client/src/operations.js';
import { createUnreadCount, createUnseenCount } from '../../packages/client/src/unread-count.js';

const notification = (seq: number, overrides: Partial<Notification> = {}): Notification => ({
  id: `id-${seq}`,
  seq,
  cursor: `cursor-${seq}`,
  kind: 'follow',
  message: `message ${seq}`,
  link: null,
  data: null,
  createdAt: '2026-11-24T10:00:00.000Z',
  seenAt: null,
  readAt: null,
  archivedAt: null,
  snoozedUntil: null,
  status: 'UNREAD',
  actions: [],
  pressedAction: null,
  sender: { id: '1', name: 'Emma' },
  ...overrides,
});

const page = (items: Notification[], liveCursor: string, hasNextPage = false) => ({
  notifications: { edges: items.map((node) => ({ node })), pageInfo: { hasNextPage, endCursor: items.at(-1)?.cursor ?? null }, liveCursor },
});

/** A connection whose reads wait until the test answers them, one at a time, in order. */
function scriptedConnection() {
  const reads: { variables: Record<string, unknown>; answer(data: unknown): void; fail(error: Error): void }[] = [];
  const live: { variables: Record<string, unknown>; push(data: unknown): void; closed: boolean }[] = [];
  const changeListeners = new Set<(change: InboxChange) => void>();
  const reconnectListeners = new Set<() => void>();
  const connection: InboxConnection = {
    query: <Data>(_document: unknown, variables: Record<string, unknown>) =>
      new Promise<Data>((resolve, reject) => reads.push({ variables, answer: (data) => resolve(data as Data), fail: reject })),
    subscribe<Data>(_document: unknown, variables: Record<string, unknown>, onData: (data: Data) => void) {
      const subscription = { variables, push: (data: unknown) => !subscription.closed && onData(data as Data), closed: false };
      live.push(subscription);
      return () => void (subscription.closed = true);
    },
    onChange: (listener) => (changeListeners.add(listener), () => changeListeners.delete(listener)),
    onReconnect: (listener) => (reconnectListeners.add(listener), () => reconnectListeners.delete(listener)),
  } as InboxConnection;
  // The client acts on an answer in promise continuations; the next macrotask runs after all of them.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  return {
    connection,
    reads,
    live,
    /** Answers the oldest unanswered read, then lets the client act on it. */
    async answer(data: unknown) {
      reads.shift()!.answer(data);
      await settle();
    },
    async fail(error: Error) {
      reads.shift()!.fail(error);
      await settle();
    },
    change: (change: InboxChange) => changeListeners.forEach((listener) => listener(change)),
    reconnect: () => reconnectListeners.forEach((listener) => listener()),
    listeners: () => changeListeners.size + reconnectListeners.size,
  };
}

const change = (action: InboxChange['action'], notifications: Notification[], unreadCount: number, unseenCount = 0): InboxChange => ({
  action,
  ids: notifications.map((n) => n.id),
  unreadCount,
  unseenCount,
  notifications,
});

describe('a feed', () => {
  it('reads nothing until watched, then subscribes after the liveCursor of its first page', async () => {
    const script = scriptedConnection();
    const feed = createFeed(script.connection, { pageSize: 2 });
    expect(script.reads).toHaveLength(0);

    const stop = feed.subscribe(() => {});
    expect(script.reads.map((read) => read.variables)).toEqual([{ first: 2, filter: null }]);
    expect(script.live).toHaveLength(0);
    await script.answer(page([notification(2), notification(1)], 'position-7', true));
    expect(script.live.map((subscription) => subscription.variables)).toEqual([{ after: 'position-7' }]);
    expect(feed.getState()).toMatchObject({ loading: false, hasMore: true });

    script.live[0]!.push({ notificationAdded: notification(3) });
    script.live[0]!.push({ notificationAdded: notification(3) });
    expect(feed.getState().notifications.map((n) => n.seq)).toEqual([3, 2, 1]);
    stop();
    expect(script.live[0]!.closed).toBe(true);
    expect(script.listeners()).toBe(0);
  });

  it('reads its first page again on RESYNC and after a reconnect, keeping one live subscription', async () => {
    const script = scriptedConnection();
    const feed = createFeed(script.connection);
    feed.subscribe(() => {});
    await script.answer(page([notification(2), notification(1)], 'position-2'));

    script.change(change('RESYNC', [], 1));
    expect(script.reads).toHaveLength(1);
    // Read elsewhere while the live path was down: the page read again says so.
    await script.answer(page([notification(3), notification(2, { status: 'READ' }), notification(1, { status: 'READ' })], 'position-3'));
    expect(feed.getState().notifications.map((n) => [n.seq, n.status])).toEqual([
      [3, 'UNREAD'],
      [2, 'READ'],
      [1, 'READ'],
    ]);

    script.reconnect();
    expect(script.reads).toHaveLength(1);
    await script.answer(page([notification(3, { status: 'READ' })], 'position-3'));
    expect(feed.getState().notifications[0]?.status).toBe('READ');
    expect(script.live).toHaveLength(1);
  });

  it('goes live from the first page it could read, when the first try failed', async () => {
    const script = scriptedConnection();
    const feed = createFeed(script.connection);
    feed.subscribe(() => {});
    await script.fail(new Error('network down'));
    expect(feed.getState().error?.message).toBe('network down');
    expect(script.live).toHaveLength(0);

    script.reconnect();
    await script.answer(page([notification(1)], 'position-1'));
    expect(feed.getState().error).toBeUndefined();
    expect(script.live.map((subscription) => subscription.variables)).toEqual([{ after: 'position-1' }]);
  });

  it('drops answers that arrive after it stopped, and starts afresh when watched again', async () => {
    const script = scriptedConnection();
    const feed = createFeed(script.connection);
    const stop = feed.subscribe(() => {});
    stop();
    await script.answer(page([notification(1)], 'position-1'));
    expect(feed.getState().loading).toBe(true);
    expect(script.live).toHaveLength(0);

    feed.subscribe(() => {});
    await script.answer(page([notification(1)], 'position-1'));
    expect(feed.getState().notifications).toHaveLength(1);
  });

  it('reads one older page at a time', async () => {
    const script = scriptedConnection();
    const feed = createFeed(script.connection, { pageSize: 1 });
    feed.subscribe(() => {});
    await script.answer(page([notification(3)], 'position-3', true));

    const first = feed.loadMore();
    const second = feed.loadMore();
    expect(feed.getState().loadingMore).toBe(true);
    expect(script.reads.map((read) => read.variables)).toEqual([{ first: 1, after: 'cursor-3', filter: null }]);
    await script.answer(page([notification(2)], 'position-3', true));
    await Promise.all([first, second]);
    expect(feed.getState()).toMatchObject({ loadingMore: false, hasMore: true });
    expect(feed.getState().notifications.map((n) => n.seq)).toEqual([3, 2]);
  });
});

describe('the unread count', () => {
  it('takes a push over the answer of a read that was in flight when it came', async () => {
    const script = scriptedConnection();
    const unread = createUnreadCount(script.connection);
    unread.subscribe(() => {});
    script.change(change('READ', [], 4));
    await script.answer({ unreadCount: 5 });
    expect(unread.getState()).toEqual({ count: 4, loading: false, error: undefined });
  });

  it('reads again after a reconnect, and takes RESYNC’s count like any change', async () => {
    const script = scriptedConnection();
    const unread = createUnreadCount(script.connection);
    unread.subscribe(() => {});
    await script.answer({ unreadCount: 2 });
    script.reconnect();
    await script.answer({ unreadCount: 7 });
    expect(unread.getState().count).toBe(7);
    script.change(change('RESYNC', [], 6));
    expect(unread.getState().count).toBe(6);
  });
});

describe('the unseen count', () => {
  it('reads unseenCount, then takes the unseen count of every change, apart from the unread one', async () => {
    const script = scriptedConnection();
    const unseen = createUnseenCount(script.connection);
    const unread = createUnreadCount(script.connection);
    unseen.subscribe(() => {});
    unread.subscribe(() => {});
    await script.answer({ unseenCount: 3 });
    await script.answer({ unreadCount: 5 });
    expect([unseen.getState(), unread.getState().count]).toEqual([{ count: 3, loading: false, error: undefined }, 5]);
    script.change(change('ALL_SEEN', [], 5, 0));
    expect([unseen.getState().count, unread.getState().count]).toEqual([0, 5]);
    script.change(change('ADDED', [notification(9)], 6, 1));
    expect([unseen.getState().count, unread.getState().count]).toEqual([1, 6]);
  });
});
