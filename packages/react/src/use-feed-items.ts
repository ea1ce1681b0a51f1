/**
 * The feed of items (grouping): the client's grouped feed (first page, then each notification's
 * item pushed as it is after it arrived, the loaded items read again after any other change),
 * watched through useSyncExternalStore, with opening an item (every unread notification of it read).
 */
import type { GroupedFeedOptions, GroupedFeedSnapshot, InboxChange } from '@kafka-notify/client';
import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { useInbox } from './context.js';

export interface FeedItems extends GroupedFeedSnapshot {
  loadMore(): Promise<void>;
  /** Opening an item: the whole group read, in one change every tab is told of. */
  markItemRead(id: string): Promise<InboxChange>;
}

export function useFeedItems({ pageSize }: GroupedFeedOptions = {}): FeedItems {
  const inbox = useInbox();
  const feed = useMemo(() => inbox.groupedFeed({ pageSize }), [inbox, pageSize]);
  const state = useSyncExternalStore(feed.subscribe, feed.getState, feed.getState);
  const markItemRead = useCallback((id: string) => inbox.markFeedItemRead(id), [inbox]);
  return { ...state, loadMore: feed.loadMore, markItemRead };
}
