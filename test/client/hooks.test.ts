/**
 * The hooks of @kafka-notify/react against the real system (Kafka, store, HTTP, graphql-ws and
 * SSE): no GraphQL is mocked. Each test acts as a user of its own, made through upsertUser.
 */
import '../support/dom.js';
import { act, cleanup, fireEvent, render, renderHook, waitFor } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Inbox, InboxProvider, useArchive, useMarkRead, useMarkSeen, useNotifications, useSnooze, useUnreadCount, useUnseenCount } from '../../packages/react/src/index.js';
import { graphqlData } from '../support/graphql.js';
import { inboxUsers } from '../support/inbox-users.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const LIVE = { timeout: 20_000 };

describe('@kafka-notify/react hooks', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
  });
  afterEach(() => cleanup());
  afterAll(() => system?.dispose());

  const newUser = inboxUsers(() => system.url, 'hooks', LIVE);

  function wrapperFor(token: string, transport: 'websocket' | 'sse' = 'websocket') {
    const getToken = () => token;
    return ({ children }: { children: ReactNode }) => createElement(InboxProvider, { url: system.url, getToken, transport, webSocketImpl: WebSocket }, children);
  }

  /** Until the server runs `count` subscriptions of `field` (all of this file's, which run one at a time). */
  const subscribed = (field: string, count: number) =>
    metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field }) === count, `${count} ${field} subscriptions`);

  it('useUnreadCount reads the count, then follows every push of the absolute count', async () => {
    const user = await newUser();
    await user.send('one', 'two');
    await user.stored(2);
    const { result } = renderHook(() => useUnreadCount(), { wrapper: wrapperFor(user.token) });
    await waitFor(() => expect(result.current).toMatchObject({ count: 2, loading: false }), LIVE);
    await subscribed('notificationsChanged', 1);

    await user.send('three');
    await waitFor(() => expect(result.current.count).toBe(3), LIVE);
    // Read elsewhere (another tab, another device): the push carries the new count here.
    await graphqlData(system.url, 'mutation { markAllNotificationsRead { unreadCount } }', {}, { token: user.token });
    await waitFor(() => expect(result.current.count).toBe(0), LIVE);
  });

  it('useNotifications pages newest first, and merges a live addition once', async () => {
    const user = await newUser();
    await user.send('n1', 'n2', 'n3', 'n4', 'n5');
    await user.stored(5);
    const { result } = renderHook(() => useNotifications({ pageSize: 2 }), { wrapper: wrapperFor(user.token) });
    await waitFor(() => expect(result.current.notifications.map((n) => n.message)).toEqual(['n5', 'n4']), LIVE);
    expect(result.current.hasMore).toBe(true);

    await act(() => result.current.loadMore());
    await act(() => result.current.loadMore());
    expect(result.current.notifications.map((n) => n.message)).toEqual(['n5', 'n4', 'n3', 'n2', 'n1']);
    expect(result.current.hasMore).toBe(false);

    await subscribed('notificationAdded', 1);
    await user.send('n6');
    await waitFor(() => expect(result.current.notifications.map((n) => n.message)).toEqual(['n6', 'n5', 'n4', 'n3', 'n2', 'n1']), LIVE);
    const seqs = result.current.notifications.map((n) => n.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(new Set(result.current.notifications.map((n) => n.id)).size).toBe(6);
  });

  it('useMarkRead and useArchive change the feed and the count at once', async () => {
    const user = await newUser();
    await user.send('keep', 'read me', 'archive me');
    await user.stored(3);
    const { result } = renderHook(() => ({ feed: useNotifications(), unread: useUnreadCount(), ...useMarkRead(), ...useArchive() }), {
      wrapper: wrapperFor(user.token),
    });
    await waitFor(() => expect(result.current.feed.notifications).toHaveLength(3), LIVE);
    await waitFor(() => expect(result.current.unread.count).toBe(3), LIVE);
    const idOf = (message: string) => result.current.feed.notifications.find((n) => n.message === message)!.id;

    const read = await act(() => result.current.markRead([idOf('read me')]));
    expect(read.unreadCount).toBe(2);
    expect(result.current.unread.count).toBe(2);
    expect(result.current.feed.notifications.find((n) => n.message === 'read me')?.status).toBe('READ');

    await act(() => result.current.archive([idOf('archive me')]));
    expect(result.current.feed.notifications.map((n) => n.message)).toEqual(['read me', 'keep']);
    expect(result.current.unread.count).toBe(1);

    await act(() => result.current.markAllRead());
    expect(result.current.unread.count).toBe(0);
    expect(result.current.feed.notifications.map((n) => n.status)).toEqual(['READ', 'READ']);
  });

  it('useNotifications({ tab }): All, Unread and Archived each list their own, and reads, archives, unarchives and live arrivals land in the right ones', async () => {
    const user = await newUser();
    await user.send('one', 'two', 'three');
    await user.stored(3);
    const { result } = renderHook(
      () => ({
        all: useNotifications({ tab: 'all' }),
        unread: useNotifications({ tab: 'unread' }),
        archived: useNotifications({ tab: 'archived' }),
        ...useMarkRead(),
        ...useArchive(),
      }),
      { wrapper: wrapperFor(user.token) },
    );
    const tabs = () => [result.current.all, result.current.unread, result.current.archived].map((feed) => feed.notifications.map((n) => n.message));
    await waitFor(() => expect(tabs()).toEqual([['three', 'two', 'one'], ['three', 'two', 'one'], []]), LIVE);
    const idOf = (message: string) => result.current.all.notifications.find((n) => n.message === message)!.id;
    const [two, three] = [idOf('two'), idOf('three')];

    await act(() => result.current.markRead([two]));
    expect(tabs()).toEqual([['three', 'two', 'one'], ['three', 'one'], []]);
    await act(() => result.current.archive([two, three]));
    expect(tabs()).toEqual([['one'], ['one'], ['three', 'two']]);
    // Unarchived from the Archived tab: back in All as it was, and in Unread only if unread.
    await act(() => result.current.unarchive([two]));
    expect(tabs()).toEqual([['two', 'one'], ['one'], ['three']]);

    // No wait for the live stream: it starts from each page's liveCursor, so it replays a send made before it is open.
    await user.send('four');
    await waitFor(() => expect(tabs()).toEqual([['four', 'two', 'one'], ['four', 'one'], ['three']]), LIVE);
  });

  it('useArchive refuses an id that is not in the inbox, and nothing changes', async () => {
    const user = await newUser();
    await user.send('mine');
    await user.stored(1);
    const { result } = renderHook(() => ({ feed: useNotifications(), ...useArchive() }), { wrapper: wrapperFor(user.token) });
    await waitFor(() => expect(result.current.feed.notifications).toHaveLength(1), LIVE);
    await expect(act(() => result.current.archive(['00000000-0000-4000-8000-000000000000']))).rejects.toThrow(/not/i);
    expect(result.current.feed.notifications.map((n) => n.status)).toEqual(['UNREAD']);
  });

  it('useUnseenCount follows the bell apart from the feed: useMarkSeen, a new arrival, and useArchive’s unarchive', async () => {
    const user = await newUser();
    await user.send('one', 'two', 'three');
    await user.stored(3);
    const { result } = renderHook(
      () => ({ feed: useNotifications(), unread: useUnreadCount(), unseen: useUnseenCount(), ...useMarkSeen(), ...useArchive() }),
      { wrapper: wrapperFor(user.token) },
    );
    await waitFor(() => expect([result.current.unseen.count, result.current.unread.count, result.current.feed.notifications.length]).toEqual([3, 3, 3]), LIVE);
    const idOf = (message: string) => result.current.feed.notifications.find((n) => n.message === message)!.id;

    const seen = await act(() => result.current.markSeen([idOf('one')]));
    expect(seen).toMatchObject({ action: 'SEEN', unseenCount: 2, unreadCount: 3 });
    expect(result.current.unseen.count).toBe(2);
    expect(result.current.feed.notifications.find((n) => n.message === 'one')?.seenAt).toEqual(expect.any(String));

    await act(() => result.current.markAllSeen());
    expect([result.current.unseen.count, result.current.unread.count]).toEqual([0, 3]);
    expect(result.current.feed.notifications.map((n) => [n.status, n.seenAt !== null])).toEqual([
      ['UNREAD', true],
      ['UNREAD', true],
      ['UNREAD', true],
    ]);

    await subscribed('notificationsChanged', 1);
    await user.send('four');
    await waitFor(() => expect([result.current.unseen.count, result.current.unread.count]).toEqual([1, 4]), LIVE);

    const two = idOf('two');
    await act(() => result.current.archive([two]));
    expect(result.current.feed.notifications.map((n) => n.message)).toEqual(['four', 'three', 'one']);
    expect([result.current.unseen.count, result.current.unread.count]).toEqual([1, 3]);
    // Back in its place in the feed, unread and seen as it was.
    const back = await act(() => result.current.unarchive([two]));
    expect(back).toMatchObject({ action: 'UNARCHIVED', ids: [two], unseenCount: 1, unreadCount: 4 });
    expect(result.current.feed.notifications.map((n) => n.message)).toEqual(['four', 'three', 'two', 'one']);
    expect(result.current.feed.notifications.find((n) => n.id === two)).toMatchObject({ status: 'UNREAD', seenAt: expect.any(String) });
    expect([result.current.unseen.count, result.current.unread.count]).toEqual([1, 4]);
  });

  it('<Inbox />: the badge shows the unseen count, and opening the bell marks all seen while the feed keeps them unread', async () => {
    const user = await newUser();
    await user.send('first', 'second');
    await user.stored(2);
    const view = render(createElement(Inbox), { wrapper: wrapperFor(user.token) });
    const bell = () => view.container.querySelector<HTMLButtonElement>('.kn-bell')!;
    await waitFor(() => expect([bell().dataset.unseen, bell().dataset.unread, bell().getAttribute('aria-label')]).toEqual(['2', '2', 'Notifications, 2 new']), LIVE);

    fireEvent.click(bell());
    await waitFor(() => expect([bell().dataset.unseen, bell().dataset.unread]).toEqual(['0', '2']), LIVE);
    expect(bell().getAttribute('aria-label')).toBe('Notifications');
    await waitFor(() => expect([...view.container.querySelectorAll('.kn-item')].map((item) => item.getAttribute('data-status'))).toEqual(['UNREAD', 'UNREAD']), LIVE);
    const counts = await graphqlData(system.url, '{ unreadCount unseenCount }', {}, { token: user.token });
    expect(counts).toEqual({ unreadCount: 2, unseenCount: 0 });
  });

  it('<Inbox />: "Snooze 1 h" takes an item out of the feed and both counts; a SNOOZED feed lists it, and useSnooze brings it back', async () => {
    const user = await newUser();
    await user.send('keep', 'later');
    await user.stored(2);
    const view = render(createElement(Inbox), { wrapper: wrapperFor(user.token) });
    const bell = () => view.container.querySelector<HTMLButtonElement>('.kn-bell')!;
    await waitFor(() => expect([bell().dataset.unseen, bell().dataset.unread]).toEqual(['2', '2']), LIVE);
    fireEvent.click(bell());
    const snoozeButton = await waitFor(() => view.getByRole('button', { name: 'Snooze 1 h: later' }), LIVE);
    expect(view.getByRole('button', { name: 'Snooze until tomorrow: later' })).toBeTruthy();
    fireEvent.click(snoozeButton);
    await waitFor(() => expect([...view.container.querySelectorAll('.kn-message')].map((item) => item.textContent)).toEqual(['keep']), LIVE);
    await waitFor(() => expect(bell().dataset.unread).toBe('1'), LIVE);

    const { result } = renderHook(() => ({ snoozed: useNotifications({ filter: { status: ['SNOOZED'] } }), ...useSnooze() }), { wrapper: wrapperFor(user.token) });
    await waitFor(() => expect(result.current.snoozed.notifications.map((n) => [n.message, n.status])).toEqual([['later', 'SNOOZED']]), LIVE);
    const until = new Date(result.current.snoozed.notifications[0]!.snoozedUntil!).getTime();
    expect(until).toBeGreaterThan(Date.now() + 50 * 60 * 1000);

    const back = await act(() => result.current.unsnooze([result.current.snoozed.notifications[0]!.id]));
    expect(back).toMatchObject({ action: 'UNSNOOZED', unreadCount: 2 });
    expect(result.current.snoozed.notifications).toEqual([]);
    await waitFor(() => expect([...view.container.querySelectorAll('.kn-message')].map((item) => item.textContent)).toEqual(['later', 'keep']), LIVE);
    await waitFor(() => expect(bell().dataset.unread).toBe('2'), LIVE);
  });

  it('<Inbox />: a key button records the press and tells onAction, every tab shows the one chosen; a URL button is a link', async () => {
    const user = await newUser();
    const { sendNotification: sent } = await graphqlData<{ sendNotification: { id: string } }>(
      system.url,
      'mutation ($input: SendNotificationInput!) { sendNotification(input: $input) { id } }',
      {
        input: {
          senderId: '1',
          recipientId: user.id,
          kind: 'MENTION',
          message: 'May I merge?',
          actions: [
            { label: 'Approve', key: 'approve' },
            { label: 'View', url: '/requests/7' },
          ],
        },
      },
    );
    await user.stored(1);
    const told: [string, string][] = [];
    const here = render(createElement(Inbox, { defaultOpen: true, onAction: (key, notification) => void told.push([key, notification.id]) }), { wrapper: wrapperFor(user.token) });
    const there = render(createElement(Inbox, { defaultOpen: true }), { wrapper: wrapperFor(user.token) });
    const approve = await waitFor(() => here.getByRole('button', { name: 'Approve: May I merge?' }), LIVE);
    expect(here.getByRole('link', { name: 'View: May I merge?' }).getAttribute('href')).toBe('/requests/7');
    await waitFor(() => there.getByRole('button', { name: 'Approve: May I merge?' }), LIVE);
    await subscribed('notificationsChanged', 2);

    fireEvent.click(approve);
    const chosen = (view: typeof here) => view.container.querySelector('.kn-action-chosen')?.textContent;
    await waitFor(() => expect(chosen(here)).toBe('✓ Chosen: Approve'), LIVE);
    // onAction follows the mutation's answer, which the ACTION_PRESSED push (that shows the choice) may overtake.
    await waitFor(() => expect(told).toEqual([['approve', sent.id]]), LIVE);
    // The other tab, through the push alone.
    await waitFor(() => expect(chosen(there)).toBe('✓ Chosen: Approve'), LIVE);
    expect(there.queryByRole('button', { name: /^Approve/ })).toBeNull();
    expect(there.container.querySelector('.kn-item')?.getAttribute('data-status')).toBe('READ');
  });

  it('works over SSE too: live additions and pushed counts', async () => {
    const user = await newUser();
    await user.send('before');
    await user.stored(1);
    const { result } = renderHook(() => ({ feed: useNotifications(), unread: useUnreadCount() }), { wrapper: wrapperFor(user.token, 'sse') });
    await waitFor(() => expect(result.current.feed.notifications.map((n) => n.message)).toEqual(['before']), LIVE);
    await Promise.all([subscribed('notificationAdded', 1), subscribed('notificationsChanged', 1)]);

    await user.send('over sse');
    await waitFor(() => expect(result.current.feed.notifications.map((n) => n.message)).toEqual(['over sse', 'before']), LIVE);
    await waitFor(() => expect(result.current.unread.count).toBe(2), LIVE);
  });
});
