/**
 * A feed's state as a pure reducer: pages, live additions and inbox changes all land here, in
 * any order and any number of times, and the result is the same: one entry per notification,
 * newest first, as the latest word about it says.
 */
import type { InboxChange, Notification, NotificationFilter } from './operations.js';

export interface FeedState {
  items: Notification[];
  /** Where the next (older) page starts; null before the first page. */
  endCursor: string | null;
  hasMore: boolean;
  loaded: boolean;
  error: Error | undefined;
}

export type FeedEvent =
  | { type: 'reset' }
  | { type: 'page'; items: Notification[]; endCursor: string | null; hasMore: boolean; first: boolean }
  | { type: 'added'; notification: Notification }
  | { type: 'changed'; change: InboxChange; at: string }
  | { type: 'failed'; error: Error };

export const emptyFeed: FeedState = { items: [], endCursor: null, hasMore: false, loaded: false, error: undefined };

type Status = Notification['status'];

const DEFAULT_STATUSES: readonly Status[] = ['UNREAD', 'READ'];

/**
 * The statuses a change moves notifications from. A feed whose filter leaves one of them out may
 * not hold what the change concerns, so the change brings it in (see applyChange): archived ones
 * into an Archived tab, unarchived ones back, read ones into a feed of read ones, unread ones
 * into an Unread tab, and so on. Changes not named here move nothing between feeds.
 */
const MOVED_FROM: Partial<Record<InboxChange['action'], readonly Status[]>> = {
  READ: ['UNREAD'],
  UNREAD: ['READ'],
  ARCHIVED: ['UNREAD', 'READ', 'SNOOZED'],
  UNARCHIVED: ['ARCHIVED'],
  SNOOZED: ['UNREAD', 'READ'],
  UNSNOOZED: ['SNOOZED'],
};

export function matchesFilter(notification: Notification, filter: NotificationFilter | null | undefined): boolean {
  const statuses: readonly Status[] = filter?.status ?? DEFAULT_STATUSES;
  if (!statuses.includes(notification.status)) return false;
  return !filter?.kind || (filter.kind as readonly string[]).includes(notification.kind);
}

/** Merges by id (the incoming copy wins) and orders by `seq`, newest first. */
export function mergeNotifications(current: readonly Notification[], incoming: readonly Notification[]): Notification[] {
  const byId = new Map(current.map((item) => [item.id, item]));
  for (const item of incoming) byId.set(item.id, item);
  return [...byId.values()].sort((a, b) => b.seq - a.seq);
}

function applyChange(state: FeedState, change: InboxChange, at: string, filter: NotificationFilter | null | undefined): Notification[] {
  const { items } = state;
  if (change.action === 'ALL_READ') {
    // Read implies seen.
    return items
      .map((item) => (item.status === 'UNREAD' ? { ...item, status: 'READ' as const, readAt: at, seenAt: item.seenAt ?? at } : item))
      .filter((item) => matchesFilter(item, filter));
  }
  if (change.action === 'ALL_SEEN') {
    return items.map((item) => (item.status === 'UNREAD' && item.seenAt === null ? { ...item, seenAt: at } : item));
  }
  if (change.action === 'DELETED') {
    const gone = new Set(change.ids);
    return items.filter((item) => !gone.has(item.id));
  }
  const known = new Set(items.map((item) => item.id));
  // A change only updates what this feed holds; additions come through their own stream. But a
  // notification that moves into this feed's statuses (archived into an Archived tab, unarchived
  // or woken back, marked unread into an Unread tab) comes through no other: it joins a feed whose
  // filter takes it now and left out where it was, if the feed has read that far back (an older
  // one comes with the page that reaches it).
  const oldest = items.at(-1)?.seq ?? Infinity;
  const statuses: readonly Status[] = filter?.status ?? DEFAULT_STATUSES;
  const movedIn = (MOVED_FROM[change.action] ?? []).some((status) => !statuses.includes(status));
  const enters = (item: Notification) => movedIn && matchesFilter(item, filter) && (!state.hasMore || item.seq >= oldest);
  const updated = mergeNotifications(items, change.notifications.filter((item) => known.has(item.id) || enters(item)));
  return updated.filter((item) => matchesFilter(item, filter));
}

export function feedReducer(filter: NotificationFilter | null | undefined) {
  return (state: FeedState, event: FeedEvent): FeedState => {
    switch (event.type) {
      case 'reset':
        return emptyFeed;
      case 'page': {
        const items = mergeNotifications(state.items, event.items);
        // A refreshed first page leaves the paging of older items where it was.
        if (event.first && state.loaded) return { ...state, items, error: undefined };
        return { items, endCursor: event.endCursor, hasMore: event.hasMore, loaded: true, error: undefined };
      }
      case 'added':
        if (!matchesFilter(event.notification, filter)) return state;
        return { ...state, items: mergeNotifications(state.items, [event.notification]) };
      case 'changed':
        return { ...state, items: applyChange(state, event.change, event.at, filter) };
      case 'failed':
        return { ...state, error: event.error };
    }
  };
}
