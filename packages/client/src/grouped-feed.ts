/**
 * The feed of items (grouping): a group key's notifications as one item ("Emma and 4 others liked
 * your post"), live. While watched it reads the first page of `feed`, then streams
 * `notificationAdded(after: <the page's liveCursor>)` selecting each notification's `feedItem`: the
 * item as it is after that notification was stored, which moves it to the top with its new count
 * and actors. Any other change to the inbox (a read, an archive, another tab opening an item) reads
 * the loaded items again, as does a connection that came back.
 *
 * A read and a push may cross (one over HTTP, one over the socket), so each item keeps the newer of
 * the two by its newest notification's seq: a push only ever brings an arrival, which raises it;
 * on a tie the read wins, as it was made after the change that asked for it.
 */
import { asError, type InboxConnection } from './connection.js';
import { FeedItemAddedSubscription, FeedItemsQuery, type FeedItem } from './operations.js';
import { createStore, type Store } from './store.js';

export interface GroupedFeedOptions {
  /** 1 to 100; default 20. */
  pageSize?: number;
}

export interface GroupedFeedSnapshot {
  /** Newest first (by each item's newest notification), one entry per item. */
  items: FeedItem[];
  loading: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  error: Error | undefined;
}

export interface GroupedFeed extends Store<GroupedFeedSnapshot> {
  /** Reads the next older page; does nothing while one is being read, or when there is none. */
  loadMore(): Promise<void>;
}

const seqOf = (item: FeedItem) => item.latest.seq;
const newestFirst = (items: FeedItem[]) => items.sort((a, b) => seqOf(b) - seqOf(a));

/** A pushed item: in, or in place of an older version of it. */
export function withPushed(items: readonly FeedItem[], pushed: FeedItem, hasMore: boolean): FeedItem[] {
  const current = items.find((item) => item.id === pushed.id);
  if (current && seqOf(current) >= seqOf(pushed)) return items as FeedItem[];
  // Older than every loaded item while pages remain: paging will bring it.
  const oldest = items.at(-1);
  if (!current && hasMore && oldest && seqOf(pushed) < seqOf(oldest)) return items as FeedItem[];
  return newestFirst([...items.filter((item) => item.id !== pushed.id), pushed]);
}

/**
 * The loaded items after reading the first `read.length` again: the read's, except where a push
 * brought a newer version meanwhile; an item the read lacks stays only if it arrived after the read
 * or lies beyond the range read.
 */
export function withReread(items: readonly FeedItem[], read: readonly FeedItem[], readHasMore: boolean): FeedItem[] {
  const byId = new Map(items.map((item) => [item.id, item]));
  const readIds = new Set(read.map((item) => item.id));
  const newestRead = read[0] ? seqOf(read[0]) : 0;
  const oldestRead = read.at(-1) ? seqOf(read.at(-1)!) : 0;
  const merged = read.map((item) => {
    const current = byId.get(item.id);
    return current && seqOf(current) > seqOf(item) ? current : item;
  });
  for (const item of items) {
    if (readIds.has(item.id)) continue;
    if (seqOf(item) > newestRead || (readHasMore && seqOf(item) < oldestRead)) merged.push(item);
  }
  return newestFirst(merged);
}

export function createGroupedFeed(connection: InboxConnection, { pageSize = 20 }: GroupedFeedOptions = {}): GroupedFeed {
  let items: FeedItem[] = [];
  let endCursor: string | null = null;
  let hasMore = false;
  let loading = true;
  let loadingMore = false;
  let error: Error | undefined;
  let run = 0;
  let running = false;

  const snapshot = (): GroupedFeedSnapshot => ({ items, loading, hasMore, loadingMore, error });
  const store = createStore(snapshot(), start);
  const publish = () => store.setState(snapshot());

  function start(): () => void {
    const mine = ++run;
    const current = () => running && mine === run;
    running = true;
    items = [];
    endCursor = null;
    hasMore = false;
    loading = true;
    loadingMore = false;
    error = undefined;
    publish();

    let stopLive: (() => void) | undefined;
    const read = async () => {
      try {
        // What is loaded, read again (at least a page, at most what one query may ask).
        const first = Math.min(100, Math.max(pageSize, items.length));
        const { feed } = await connection.query(FeedItemsQuery, { first });
        if (!current()) return;
        const fresh = feed.edges.map((edge) => edge.node);
        items = loading ? fresh : withReread(items, fresh, feed.pageInfo.hasNextPage);
        // The cursor of the last item loaded: its own, as the page's are.
        if (loading || items.length <= fresh.length) {
          endCursor = feed.pageInfo.endCursor ?? null;
          hasMore = feed.pageInfo.hasNextPage;
        }
        loading = false;
        error = undefined;
        publish();
        stopLive ??= connection.subscribe(FeedItemAddedSubscription, { after: feed.liveCursor }, ({ notificationAdded }) => {
          if (!current() || !notificationAdded.feedItem) return;
          const next = withPushed(items, notificationAdded.feedItem, hasMore);
          if (next === items) return;
          items = next;
          publish();
        });
      } catch (failure) {
        if (!current()) return;
        loading = false;
        error = asError(failure);
        publish();
      }
    };

    // An arrival comes with its item; anything else may change items already shown.
    const stopChanges = connection.onChange((change) => change.action !== 'ADDED' && void read());
    const stopReconnects = connection.onReconnect(() => void read());
    void read();
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
      if (!running || loadingMore || !hasMore) return;
      const mine = run;
      loadingMore = true;
      publish();
      try {
        const { feed } = await connection.query(FeedItemsQuery, { first: pageSize, after: endCursor });
        if (!running || mine !== run) return;
        const known = new Set(items.map((item) => item.id));
        items = newestFirst([...items, ...feed.edges.map((edge) => edge.node).filter((item) => !known.has(item.id))]);
        endCursor = feed.pageInfo.endCursor ?? null;
        hasMore = feed.pageInfo.hasNextPage;
      } catch (failure) {
        if (!running || mine !== run) return;
        error = asError(failure);
      } finally {
        if (running && mine === run) {
          loadingMore = false;
          publish();
        }
      }
    },
  };
}
