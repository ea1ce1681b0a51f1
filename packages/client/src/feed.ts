/**
 * A paged, live feed. While watched, it reads the first page, then streams
 * `notificationAdded(after: <the page's liveCursor>)`: the inbox position read with the page, even
 * an empty one, so whatever is stored between the read and the subscription is replayed. After a
 * dropped connection the stream resumes from its last cursor (resume.ts) and the first page is
 * read again for statuses changed meanwhile; so it is on RESYNC, the server's word that its live
 * path was interrupted. Every source goes through one reducer keyed on the notification id, so
 * nothing is ever shown twice.
 */
import { asError, type InboxConnection } from './connection.js';
import { emptyFeed, feedReducer, type FeedEvent, type FeedState } from './feed-state.js';
import { InboxPageQuery, NotificationAddedSubscription, type Notification, type NotificationFilter } from './operations.js';
import { createStore, type Store } from './store.js';

export interface FeedOptions {
  /** Default: unread and read (archived ones hidden), every kind. */
  filter?: NotificationFilter;
  /** 1 to 100; default 20. */
  pageSize?: number;
}

export interface FeedSnapshot {
  /** Newest first, one entry per notification. */
  notifications: Notification[];
  /** True until the first page arrived. */
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  error: Error | undefined;
}

export interface Feed extends Store<FeedSnapshot> {
  /** Reads the next older page; does nothing while one is being read, or when there is none. */
  loadMore(): Promise<void>;
}

export function createFeed(connection: InboxConnection, { filter, pageSize = 20 }: FeedOptions = {}): Feed {
  const reduce = feedReducer(filter);
  let state: FeedState = emptyFeed;
  let loadingMore = false;
  // Each start is a run; answers that arrive after their run stopped are dropped.
  let run = 0;
  let running = false;

  const snapshot = (): FeedSnapshot => ({ notifications: state.items, loading: !state.loaded, hasMore: state.hasMore, loadingMore, error: state.error });
  const store = createStore(snapshot(), start);
  const publish = () => store.setState(snapshot());
  const dispatch = (event: FeedEvent) => {
    const next = reduce(state, event);
    if (next === state) return;
    state = next;
    publish();
  };

  function start(): () => void {
    const mine = ++run;
    const current = () => running && mine === run;
    running = true;
    loadingMore = false;
    dispatch({ type: 'reset' });

    let stopLive: (() => void) | undefined;
    const readFirstPage = async () => {
      try {
        const { notifications } = await connection.query(InboxPageQuery, { first: pageSize, filter: filter ?? null });
        if (!current()) return;
        const { edges, pageInfo, liveCursor } = notifications;
        dispatch({ type: 'page', items: edges.map((edge) => edge.node), endCursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, first: true });
        // Once, from the first page that could be read: afterwards the stream resumes by itself.
        stopLive ??= connection.subscribe(NotificationAddedSubscription, { after: liveCursor }, ({ notificationAdded }) =>
          dispatch({ type: 'added', notification: notificationAdded }),
        );
      } catch (error) {
        if (current()) dispatch({ type: 'failed', error: asError(error) });
      }
    };

    // RESYNC: the feed may have missed changes; the page is read again (its unread count, which
    // the unread store takes, is current; new items come through notificationAdded).
    const stopChanges = connection.onChange((change) =>
      change.action === 'RESYNC' ? void readFirstPage() : dispatch({ type: 'changed', change, at: new Date().toISOString() }),
    );
    const stopReconnects = connection.onReconnect(() => void readFirstPage());
    void readFirstPage();
    return () => {
      running = false;
      stopLive?.();
      stopChanges();
      stopReconnects();
    };
  }

  return {
    getState: store.getState,
    subscribe: store.subscribe,
    async loadMore() {
      if (!running || loadingMore || !state.hasMore) return;
      const mine = run;
      const current = () => running && mine === run;
      loadingMore = true;
      publish();
      try {
        const { notifications } = await connection.query(InboxPageQuery, { first: pageSize, after: state.endCursor, filter: filter ?? null });
        if (!current()) return;
        const { edges, pageInfo } = notifications;
        loadingMore = false;
        dispatch({ type: 'page', items: edges.map((edge) => edge.node), endCursor: pageInfo.endCursor ?? null, hasMore: pageInfo.hasNextPage, first: false });
      } catch (error) {
        if (!current()) return;
        loadingMore = false;
        dispatch({ type: 'failed', error: asError(error) });
      } finally {
        if (current() && loadingMore) {
          loadingMore = false;
          publish();
        }
      }
    },
  };
}
