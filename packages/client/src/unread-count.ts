/**
 * The inbox's two counts: unread (what the feed shows as unread) and unseen (the bell's badge:
 * not even shown yet). Each is read once when first watched, then taken from every change
 * (pushed by the server or answered by a mutation), which carries both absolute counts read from
 * the store after the change. They are never computed by adding deltas, so they cannot drift,
 * and every tab shows the last word. After a reconnect they are read again: pushes sent while the
 * connection was down are gone.
 */
import { asError, type InboxConnection } from './connection.js';
import { UnreadCountQuery, UnseenCountQuery, type InboxChange } from './operations.js';
import { createStore, type Store } from './store.js';

export interface InboxCount {
  count: number;
  /** True until the first count arrived. */
  loading: boolean;
  error: Error | undefined;
}

export type UnreadCount = InboxCount;
export type UnseenCount = InboxCount;

export function createUnreadCount(connection: InboxConnection): Store<UnreadCount> {
  return createCount(connection, async () => (await connection.query(UnreadCountQuery, {})).unreadCount, (change) => change.unreadCount);
}

export function createUnseenCount(connection: InboxConnection): Store<UnseenCount> {
  return createCount(connection, async () => (await connection.query(UnseenCountQuery, {})).unseenCount, (change) => change.unseenCount);
}

function createCount(connection: InboxConnection, query: () => Promise<number>, fromChange: (change: InboxChange) => number): Store<InboxCount> {
  return createStore<InboxCount>({ count: 0, loading: true, error: undefined }, (store) => {
    let active = true;
    // A push that lands while a read is in flight is newer than that read's answer.
    let pushedSinceRead = false;
    const settle = (count: number) =>
      store.setState((previous) => (previous.count === count && !previous.loading && !previous.error ? previous : { count, loading: false, error: undefined }));
    const read = async () => {
      pushedSinceRead = false;
      try {
        const count = await query();
        if (active && !pushedSinceRead) settle(count);
      } catch (error) {
        if (active && !pushedSinceRead) store.setState((previous) => ({ ...previous, loading: false, error: asError(error) }));
      }
    };
    const stopChanges = connection.onChange((change) => {
      pushedSinceRead = true;
      settle(fromChange(change));
    });
    const stopReconnects = connection.onReconnect(() => void read());
    void read();
    return () => {
      active = false;
      stopChanges();
      stopReconnects();
    };
  });
}
