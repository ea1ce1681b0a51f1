/**
 * The unread count: read once when first watched, then taken from every change (pushed by the
 * server or answered by a mutation), which carries the absolute count read from the store after
 * the change. It is never computed by adding deltas, so it cannot drift, and every tab shows the
 * last word. After a reconnect it is read again: pushes sent while the connection was down are gone.
 */
import { asError, type InboxConnection } from './connection.js';
import { UnreadCountQuery } from './operations.js';
import { createStore, type Store } from './store.js';

export interface UnreadCount {
  count: number;
  /** True until the first count arrived. */
  loading: boolean;
  error: Error | undefined;
}

export function createUnreadCount(connection: InboxConnection): Store<UnreadCount> {
  return createStore<UnreadCount>({ count: 0, loading: true, error: undefined }, (store) => {
    let active = true;
    // A push that lands while a read is in flight is newer than that read's answer.
    let pushedSinceRead = false;
    const settle = (count: number) =>
      store.setState((previous) => (previous.count === count && !previous.loading && !previous.error ? previous : { count, loading: false, error: undefined }));
    const read = async () => {
      pushedSinceRead = false;
      try {
        const data = await connection.query(UnreadCountQuery, {});
        if (active && !pushedSinceRead) settle(data.unreadCount);
      } catch (error) {
        if (active && !pushedSinceRead) store.setState((previous) => ({ ...previous, loading: false, error: asError(error) }));
      }
    };
    const stopChanges = connection.onChange((change) => {
      pushedSinceRead = true;
      settle(change.unreadCount);
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
