/**
 * A paged, live feed: a feed of @kafka-notify/client (first page, then `notificationAdded` after
 * its liveCursor, resumed by cursor after a drop, read again on RESYNC), watched through
 * useSyncExternalStore. It runs while a component shows it.
 */
import type { FeedOptions, FeedSnapshot, NotificationFilter } from '@kafka-notify/client';
import { useMemo, useSyncExternalStore } from 'react';
import { useInbox } from './context.js';

export type UseNotificationsOptions = FeedOptions;

export interface NotificationsFeed extends FeedSnapshot {
  loadMore(): Promise<void>;
}

export function useNotifications({ filter, pageSize }: UseNotificationsOptions = {}): NotificationsFeed {
  const inbox = useInbox();
  // Callers pass filter literals; the feed restarts only when the filter's content changes.
  const filterKey = JSON.stringify(filter ?? null);
  const feed = useMemo(() => inbox.feed({ filter: (JSON.parse(filterKey) as NotificationFilter | null) ?? undefined, pageSize }), [inbox, filterKey, pageSize]);
  const state = useSyncExternalStore(feed.subscribe, feed.getState, feed.getState);
  return { ...state, loadMore: feed.loadMore };
}
