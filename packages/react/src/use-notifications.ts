/**
 * A paged, live feed: a feed of @kafka-notify/client (first page, then `notificationAdded` after
 * its liveCursor, resumed by cursor after a drop, read again on RESYNC), watched through
 * useSyncExternalStore. It runs while a component shows it. `tab` picks one of the inbox's tabs
 * (all, unread, archived, snoozed): a status filter, kept with the kinds of `filter`.
 */
import { tabFilter, type FeedOptions, type FeedSnapshot, type InboxTab, type NotificationFilter } from '@kafka-notify/client';
import { useMemo, useSyncExternalStore } from 'react';
import { useInbox } from './context.js';

export interface UseNotificationsOptions extends FeedOptions {
  /** Default `all`: unread and read, or whatever `filter.status` names. */
  tab?: InboxTab;
}

export interface NotificationsFeed extends FeedSnapshot {
  loadMore(): Promise<void>;
}

export function useNotifications({ filter, pageSize, tab = 'all' }: UseNotificationsOptions = {}): NotificationsFeed {
  const inbox = useInbox();
  // Callers pass filter literals; the feed restarts only when the filter's content changes. A new
  // tab is a new feed: nothing of the previous tab's items is shown in it.
  const filterKey = JSON.stringify(tabFilter(tab, filter) ?? null);
  const feed = useMemo(() => inbox.feed({ filter: (JSON.parse(filterKey) as NotificationFilter | null) ?? undefined, pageSize }), [inbox, filterKey, pageSize]);
  const state = useSyncExternalStore(feed.subscribe, feed.getState, feed.getState);
  return { ...state, loadMore: feed.loadMore };
}
