/**
 * <InboxProvider url getToken>: one connection per provider, shared by every hook and component
 * under it, and one `notificationsChanged` subscription whose pushes (absolute unread counts,
 * statuses) every hook follows, so badges and feeds in one page never disagree.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Provider as UrqlProvider } from 'urql';
import { InboxContext, type InboxContextValue } from './context.js';
import { InboxChangedSubscription, type InboxChange } from './operations.js';
import { createTransport, type TokenGetter, type TransportOptions } from './transport.js';

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
  const [value, setValue] = useState<InboxContextValue | null>(null);
  useEffect(() => {
    const created = createTransport({ url, getToken: () => tokenRef.current(), transport, webSocketImpl, fetch });
    const listeners = new Set<(change: InboxChange) => void>();
    const context: InboxContextValue = {
      transport: created,
      onChange(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      emitChange(change) {
        for (const listener of listeners) listener(change);
      },
    };
    const subscription = created.client.subscription(InboxChangedSubscription, {}).subscribe((result) => {
      if (result.data) context.emitChange(result.data.notificationsChanged);
    });
    setValue(context);
    return () => {
      subscription.unsubscribe();
      created.dispose();
    };
  }, [url, transport, webSocketImpl, fetch]);

  if (!value) return null;
  return (
    <InboxContext.Provider value={value}>
      <UrqlProvider value={value.transport.client}>{children}</UrqlProvider>
    </InboxContext.Provider>
  );
}
