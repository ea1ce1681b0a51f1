/**
 * A paged, live feed. The first page is read, then `notificationAdded(after: <newest cursor>)`
 * streams everything stored since, so nothing falls between the page and the stream; after a
 * dropped connection the stream resumes from its last cursor (see resume.ts) and the first page
 * is read again for statuses changed meanwhile. Every source goes through one reducer that keys
 * on the notification id: nothing is ever shown twice.
 */
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useInboxContext } from './context.js';
import { emptyFeed, feedReducer } from './feed-state.js';
import { InboxPageQuery, NotificationAddedSubscription, type Notification, type NotificationFilter } from './operations.js';

export interface UseNotificationsOptions {
  /** Default: unread and read (archived ones hidden), every kind. */
  filter?: NotificationFilter;
  /** 1 to 100; default 20. */
  pageSize?: number;
}

export interface NotificationsFeed {
  notifications: Notification[];
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  loadMore(): Promise<void>;
  error: Error | undefined;
}

export function useNotifications({ filter, pageSize = 20 }: UseNotificationsOptions = {}): NotificationsFeed {
  const { transport, onChange } = useInboxContext();
  // Callers pass filter literals; the feed restarts only when the filter's content changes.
  const filterKey = JSON.stringify(filter ?? null);
  const stableFilter = useMemo(() => JSON.parse(filterKey) as NotificationFilter | null, [filterKey]);
  const [state, dispatch] = useReducer(useMemo(() => feedReducer(stableFilter), [stableFilter]), emptyFeed);
  const [loadingMore, setLoadingMore] = useState(false);
  const paging = useRef(false);

  useEffect(() => {
    let active = true;
    dispatch({ type: 'reset' });
    const readFirstPage = async () => {
      const result = await transport.client.query(InboxPageQuery, { first: pageSize, filter: stableFilter }).toPromise();
      if (!active) return undefined;
      if (!result.data) {
        dispatch({ type: 'failed', error: result.error ?? new Error('no data in the answer') });
        return undefined;
      }
      const { edges, pageInfo, liveCursor } = result.data.notifications;
      const items = edges.map((edge) => edge.node);
      dispatch({ type: 'page', items, endCursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, first: true });
      return { liveCursor };
    };

    let live: { unsubscribe(): void } | undefined;
    void readFirstPage().then((page) => {
      if (!active || !page) return;
      // The inbox position read with the page (even an empty one): the stream replays whatever was
      // stored between that read and the subscription starting, so nothing falls in between.
      live = transport.client.subscription(NotificationAddedSubscription, { after: page.liveCursor }).subscribe((result) => {
        if (result.data) dispatch({ type: 'added', notification: result.data.notificationAdded });
      });
    });
    // RESYNC: the server's live path was interrupted and the feed may have missed changes; its
    // unread count is current, the page is read again (new items come through notificationAdded).
    const stopChanges = onChange((change) =>
      change.action === 'RESYNC' ? void readFirstPage() : dispatch({ type: 'changed', change, at: new Date().toISOString() }),
    );
    const stopReconnects = transport.onReconnect(() => void readFirstPage());
    return () => {
      active = false;
      live?.unsubscribe();
      stopChanges();
      stopReconnects();
    };
  }, [transport, onChange, stableFilter, pageSize]);

  const { endCursor, hasMore } = state;
  const loadMore = useCallback(async () => {
    if (paging.current || !hasMore) return;
    paging.current = true;
    setLoadingMore(true);
    try {
      const result = await transport.client.query(InboxPageQuery, { first: pageSize, after: endCursor, filter: stableFilter }).toPromise();
      if (!result.data) throw result.error ?? new Error('no data in the answer');
      const { edges, pageInfo } = result.data.notifications;
      dispatch({ type: 'page', items: edges.map((edge) => edge.node), endCursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, first: false });
    } catch (caught) {
      dispatch({ type: 'failed', error: caught instanceof Error ? caught : new Error(String(caught)) });
    } finally {
      paging.current = false;
      setLoadingMore(false);
    }
  }, [transport, pageSize, stableFilter, endCursor, hasMore]);

  return { notifications: state.items, loading: !state.loaded, hasMore, loadingMore, loadMore, error: state.error };
}
