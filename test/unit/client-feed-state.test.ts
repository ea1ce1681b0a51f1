/** The client's feed reducer and cursor resumption, with plain values. */
import { describe, expect, it } from 'vitest';
import { emptyFeed, feedReducer, mergeNotifications } from '../../packages/client/src/feed-state.js';
import type { InboxChange, Notification } from '../../packages/client/src/operations.js';
import { resumable } from '../../packages/client/src/resume.js';
import { tabFilter } from '../../packages/client/src/tabs.js';

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

const change = (action: InboxChange['action'], notifications: Notification[], unreadCount = 0, unseenCount = 0): InboxChange => ({
  action,
  ids: notifications.map((item) => item.id),
  unreadCount,
  unseenCount,
  notifications,
});

describe('the feed reducer', () => {
  const reduce = feedReducer(undefined);
  const page = (items: Notification[], first = true) => ({ type: 'page' as const, items, endCursor: items.at(-1)?.cursor ?? null, hasMore: true, first });

  it('keeps one entry per id, newest first, whatever the order and repetition of its sources', () => {
    let state = reduce(emptyFeed, page([notification(3), notification(2)]));
    state = reduce(state, { type: 'added', notification: notification(5) });
    state = reduce(state, { type: 'added', notification: notification(4) });
    state = reduce(state, { type: 'added', notification: notification(5) });
    state = reduce(state, page([notification(5), notification(4)]));
    expect(state.items.map((item) => item.seq)).toEqual([5, 4, 3, 2]);
  });

  it('keeps its paging when the first page is read again', () => {
    const state = reduce(reduce(emptyFeed, page([notification(3), notification(2)])), page([notification(4), notification(3)]));
    expect(state.endCursor).toBe('cursor-2');
  });

  it('applies reads, archives, deletes and read-all to what it holds', () => {
    let state = reduce(emptyFeed, page([notification(3), notification(2), notification(1)]));
    state = reduce(state, { type: 'changed', change: change('READ', [notification(3, { status: 'READ' })]), at: 'now' });
    expect(state.items.map((item) => item.status)).toEqual(['READ', 'UNREAD', 'UNREAD']);
    state = reduce(state, { type: 'changed', change: change('ARCHIVED', [notification(2, { status: 'ARCHIVED' })]), at: 'now' });
    expect(state.items.map((item) => item.seq)).toEqual([3, 1]);
    state = reduce(state, { type: 'changed', change: change('DELETED', [notification(3)]), at: 'now' });
    expect(state.items.map((item) => item.seq)).toEqual([1]);
    state = reduce(state, { type: 'changed', change: { ...change('ALL_READ', []), ids: [] }, at: '2026-11-24T11:00:00.000Z' });
    expect(state.items[0]).toMatchObject({ status: 'READ', readAt: '2026-11-24T11:00:00.000Z', seenAt: '2026-11-24T11:00:00.000Z' });
  });

  it('marks seen, on ALL_SEEN, what it holds unseen, and keeps every status', () => {
    const earlier = '2026-11-24T10:30:00.000Z';
    const at = '2026-11-24T11:00:00.000Z';
    let state = reduce(emptyFeed, page([notification(3), notification(2, { seenAt: earlier }), notification(1, { status: 'READ', readAt: earlier, seenAt: earlier })]));
    state = reduce(state, { type: 'changed', change: change('ALL_SEEN', []), at });
    expect(state.items.map((item) => [item.seq, item.status, item.seenAt])).toEqual([
      [3, 'UNREAD', at],
      [2, 'UNREAD', earlier],
      [1, 'READ', earlier],
    ]);
    state = reduce(state, { type: 'changed', change: change('SEEN', [notification(3, { seenAt: earlier })]), at });
    expect(state.items[0]?.seenAt).toBe(earlier);
  });

  it('takes back an unarchived notification its filter shows, where it has read that far', () => {
    const paged = (items: Notification[], hasMore: boolean) => ({ type: 'page' as const, items, endCursor: items.at(-1)?.cursor ?? null, hasMore, first: true });
    const unarchived = (seq: number) => change('UNARCHIVED', [notification(seq, { status: 'READ' })]);
    // Within what it has read: back in its place.
    let state = reduce(emptyFeed, paged([notification(5), notification(3)], true));
    state = reduce(state, { type: 'changed', change: unarchived(4), at: 'now' });
    expect(state.items.map((item) => item.seq)).toEqual([5, 4, 3]);
    // Older than what it has read, with more to read: it comes with the page that reaches it.
    expect(reduce(state, { type: 'changed', change: unarchived(1), at: 'now' }).items.map((item) => item.seq)).toEqual([5, 4, 3]);
    // The whole inbox read: anywhere.
    const whole = reduce(emptyFeed, paged([notification(5), notification(3)], false));
    expect(reduce(whole, { type: 'changed', change: unarchived(1), at: 'now' }).items.map((item) => item.seq)).toEqual([5, 3, 1]);
    // A feed of unread ones does not take a read one; the archived feed lets it go.
    const unreadOnly = feedReducer({ status: ['UNREAD'] });
    expect(unreadOnly(reduce(emptyFeed, paged([], false)), { type: 'changed', change: unarchived(1), at: 'now' }).items).toEqual([]);
    const archivedOnly = feedReducer({ status: ['ARCHIVED'] });
    const archived = archivedOnly(emptyFeed, paged([notification(4, { status: 'ARCHIVED' })], false));
    expect(archivedOnly(archived, { type: 'changed', change: unarchived(4), at: 'now' }).items).toEqual([]);
  });

  it('lets a snoozed notification go from the default feed, into a SNOOZED one, and takes it back when it wakes', () => {
    const paged = (items: Notification[], hasMore: boolean) => ({ type: 'page' as const, items, endCursor: items.at(-1)?.cursor ?? null, hasMore, first: true });
    const until = '2026-11-24T11:00:00.000Z';
    const snoozed = change('SNOOZED', [notification(4, { status: 'SNOOZED', snoozedUntil: until })], 2, 2);
    const woke = change('UNSNOOZED', [notification(4)], 3, 3);

    let state = reduce(emptyFeed, paged([notification(5), notification(4), notification(3)], true));
    state = reduce(state, { type: 'changed', change: snoozed, at: 'now' });
    expect(state.items.map((item) => item.seq)).toEqual([5, 3]);
    // Woken (or unsnoozed): back in its place, as it was.
    state = reduce(state, { type: 'changed', change: woke, at: 'now' });
    expect(state.items.map((item) => [item.seq, item.status, item.snoozedUntil])).toEqual([
      [5, 'UNREAD', null],
      [4, 'UNREAD', null],
      [3, 'UNREAD', null],
    ]);
    // Read while snoozed, it wakes read: a feed of unread ones does not take it.
    const unreadOnly = feedReducer({ status: ['UNREAD'] });
    const wokeRead = change('UNSNOOZED', [notification(4, { status: 'READ', readAt: until })]);
    expect(unreadOnly(unreadOnly(emptyFeed, paged([], false)), { type: 'changed', change: wokeRead, at: 'now' }).items).toEqual([]);

    // The SNOOZED feed: takes it when snoozed, lets it go when it wakes.
    const snoozedOnly = feedReducer({ status: ['SNOOZED'] });
    let list = snoozedOnly(emptyFeed, paged([], false));
    list = snoozedOnly(list, { type: 'changed', change: snoozed, at: 'now' });
    expect(list.items.map((item) => [item.seq, item.snoozedUntil])).toEqual([[4, until]]);
    expect(snoozedOnly(list, { type: 'changed', change: woke, at: 'now' }).items).toEqual([]);
    // All read and all seen leave a snoozed one as it is (the server passes over it too).
    expect(snoozedOnly(list, { type: 'changed', change: change('ALL_READ', []), at: 'now' }).items).toEqual(list.items);
    expect(snoozedOnly(list, { type: 'changed', change: change('ALL_SEEN', []), at: 'now' }).items).toEqual(list.items);
  });

  it('keeps each tab (all, unread, archived) right as notifications move between them', () => {
    const paged = (items: Notification[]) => ({ type: 'page' as const, items, endCursor: items.at(-1)?.cursor ?? null, hasMore: false, first: true });
    const tab = (name: 'all' | 'unread' | 'archived') => {
      const reduce = feedReducer(tabFilter(name));
      return { reduce, state: reduce(emptyFeed, paged([])) };
    };
    const [all, unread, archived] = [tab('all'), tab('unread'), tab('archived')];
    const apply = (event: Parameters<typeof all.reduce>[1]) => {
      for (const feed of [all, unread, archived]) feed.state = feed.reduce(feed.state, event);
    };
    const seqs = () => [all, unread, archived].map(({ state }) => state.items.map((item) => `${item.seq}:${item.status}`));

    apply({ type: 'added', notification: notification(1) });
    apply({ type: 'added', notification: notification(2) });
    expect(seqs()).toEqual([['2:UNREAD', '1:UNREAD'], ['2:UNREAD', '1:UNREAD'], []]);
    apply({ type: 'changed', change: change('READ', [notification(2, { status: 'READ' })]), at: 'now' });
    expect(seqs()).toEqual([['2:READ', '1:UNREAD'], ['1:UNREAD'], []]);
    // Archived from the All tab: it enters the Archived one, which never held it.
    apply({ type: 'changed', change: change('ARCHIVED', [notification(2, { status: 'ARCHIVED' })]), at: 'now' });
    expect(seqs()).toEqual([['1:UNREAD'], ['1:UNREAD'], ['2:ARCHIVED']]);
    // Unarchived from the Archived tab: back in All, as read, so not in Unread.
    apply({ type: 'changed', change: change('UNARCHIVED', [notification(2, { status: 'READ' })]), at: 'now' });
    expect(seqs()).toEqual([['2:READ', '1:UNREAD'], ['1:UNREAD'], []]);
    // Marked unread again: it enters the Unread tab; all read empties it.
    apply({ type: 'changed', change: change('UNREAD', [notification(2)]), at: 'now' });
    expect(seqs()).toEqual([['2:UNREAD', '1:UNREAD'], ['2:UNREAD', '1:UNREAD'], []]);
    apply({ type: 'changed', change: change('ALL_READ', []), at: 'now' });
    expect(seqs()).toEqual([['2:READ', '1:READ'], [], []]);
    // A feed of read ones takes what is read; the Archived tab takes what is archived while snoozed.
    const read = feedReducer({ status: ['READ'] });
    expect(read(read(emptyFeed, paged([])), { type: 'changed', change: change('READ', [notification(3, { status: 'READ' })]), at: 'now' }).items).toHaveLength(1);
    apply({ type: 'changed', change: change('ARCHIVED', [notification(4, { status: 'ARCHIVED' })]), at: 'now' });
    expect(seqs()[2]).toEqual(['4:ARCHIVED']);
  });

  it('maps a tab to its status filter, keeping the kinds asked for', () => {
    expect(tabFilter('all')).toBeUndefined();
    expect(tabFilter('all', { kind: ['like'] })).toEqual({ kind: ['like'] });
    expect(tabFilter('unread', { kind: ['like'], status: ['READ'] })).toEqual({ kind: ['like'], status: ['UNREAD'] });
    expect(tabFilter('archived')).toEqual({ status: ['ARCHIVED'] });
    expect(tabFilter('snoozed')).toEqual({ status: ['SNOOZED'] });
  });

  it('shows a button pressed in another tab as pressed, read, and out of an UNREAD feed', () => {
    const buttons = [
      { label: 'Approve', url: null, key: 'approve' },
      { label: 'View', url: '/requests/7', key: null },
    ];
    const at = '2026-11-24T11:00:00.000Z';
    const pressed = notification(4, { actions: buttons, status: 'READ', readAt: at, seenAt: at, pressedAction: { index: 0, at } });
    const pushed = { type: 'changed' as const, change: change('ACTION_PRESSED', [pressed], 1, 1), at: 'now' };

    const state = reduce(reduce(emptyFeed, page([notification(5), notification(4, { actions: buttons })])), pushed);
    expect(state.items.find((item) => item.seq === 4)).toEqual(pressed);
    const unreadOnly = feedReducer({ status: ['UNREAD'] });
    expect(unreadOnly(unreadOnly(emptyFeed, page([notification(5), notification(4, { actions: buttons })])), pushed).items.map((item) => item.seq)).toEqual([5]);
  });

  it('does not add through a change what it never held', () => {
    const state = reduce(reduce(emptyFeed, page([notification(1)])), { type: 'changed', change: change('READ', [notification(9, { status: 'READ' })]), at: 'now' });
    expect(state.items.map((item) => item.seq)).toEqual([1]);
  });

  it('leaves out live additions its filter excludes', () => {
    const mentions = feedReducer({ kind: ['mention'] });
    const state = mentions(emptyFeed, { type: 'added', notification: notification(1) });
    expect(state.items).toEqual([]);
    expect(mentions(state, { type: 'added', notification: notification(2, { kind: 'mention' }) }).items).toHaveLength(1);
  });

  it('merges with the incoming copy winning', () => {
    expect(mergeNotifications([notification(1)], [notification(1, { status: 'READ' })])[0]?.status).toBe('READ');
  });
});

describe('resumable subscriptions', () => {
  const sink = () => ({ seen: [] as unknown[], next(value: unknown) { this.seen.push(value); }, error() {}, complete() {} });

  it('re-sends `after` as the cursor of the last result, each time the payload is serialised', () => {
    const target = sink();
    const { payload, sink: tracking } = resumable({ query: 'subscription', variables: { after: 'cursor-1' } }, target);
    expect(JSON.parse(JSON.stringify(payload)).variables).toEqual({ after: 'cursor-1' });
    tracking.next({ data: { notificationAdded: { cursor: 'cursor-2' } } });
    tracking.next({ data: { notificationAdded: { cursor: 'cursor-3' } } });
    expect(JSON.parse(JSON.stringify(payload)).variables).toEqual({ after: 'cursor-3' });
    expect(target.seen).toHaveLength(2);
  });

  it('leaves a subscription without `after` as it is', () => {
    const { payload } = resumable({ query: 'subscription', variables: {} }, sink());
    expect(JSON.parse(JSON.stringify(payload)).variables).toEqual({});
  });
});
