/**
 * The caller's unread count, live. It is read once, then taken from each push and each mutation
 * answer, which carry the absolute count read from the store after the change: the badge is
 * never computed by adding deltas, so it cannot drift, and every tab shows the last word.
 */
import { useEffect, useState } from 'react';
import { useInboxContext } from './context.js';
import { UnreadCountQuery } from './operations.js';

export interface UnreadCount {
  count: number;
  loading: boolean;
  error: Error | undefined;
}

export function useUnreadCount(): UnreadCount {
  const { transport, onChange } = useInboxContext();
  const [state, setState] = useState<UnreadCount>({ count: 0, loading: true, error: undefined });

  useEffect(() => {
    let active = true;
    // A push that lands while a read is in flight is newer than that read's answer.
    let pushedSinceRead = false;
    const read = () => {
      pushedSinceRead = false;
      void transport.client
        .query(UnreadCountQuery, {})
        .toPromise()
        .then((result) => {
          if (!active || pushedSinceRead) return;
          setState((previous) => (result.data ? { count: result.data.unreadCount, loading: false, error: undefined } : { ...previous, loading: false, error: result.error }));
        });
    };
    const stopChanges = onChange((change) => {
      pushedSinceRead = true;
      setState({ count: change.unreadCount, loading: false, error: undefined });
    });
    // Pushes sent while the connection was down are gone: read the count again.
    const stopReconnects = transport.onReconnect(read);
    read();
    return () => {
      active = false;
      stopChanges();
      stopReconnects();
    };
  }, [transport, onChange]);

  return state;
}
