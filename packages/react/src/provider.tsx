/**
 * <InboxProvider url getToken>: one inbox of @kafka-notify/client per provider (one connection,
 * one `notificationsChanged` subscription), shared by every hook and component under it, so
 * badges and feeds in one page never disagree.
 */
import { createInbox, type Inbox, type TokenGetter, type TransportOptions } from '@kafka-notify/client';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider } from 'urql';
import { InboxContext } from './context.js';

export interface InboxProviderProps extends TransportOptions {
  children?: ReactNode;
}

export function InboxProvider({ children, url, getToken, transport, webSocketImpl, fetch }: InboxProviderProps) {
  // The latest getter is read at each request, so a refreshed token needs no new connection.
  const tokenRef = useRef<TokenGetter>(getToken);
  useEffect(() => {
    tokenRef.current = getToken;
  }, [getToken]);

  // Made in an effect, not during render: a connection is a side effect, and StrictMode's
  // mount-unmount-mount must end with one live connection, not a disposed one.
  const [inbox, setInbox] = useState<Inbox | null>(null);
  useEffect(() => {
    const created = createInbox({ url, getToken: () => tokenRef.current(), transport, webSocketImpl, fetch });
    setInbox(created);
    return () => created.dispose();
  }, [url, transport, webSocketImpl, fetch]);

  if (!inbox) return null;
  return (
    <InboxContext.Provider value={inbox}>
      {/* urql's own hooks work under the provider too, on the same connection. */}
      <UrqlProvider value={inbox.transport.client}>{children}</UrqlProvider>
    </InboxContext.Provider>
  );
}
