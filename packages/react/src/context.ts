/** What the provider shares with the hooks: the inbox of @kafka-notify/client, one per provider. */
import type { Inbox } from '@kafka-notify/client';
import { createContext, useContext } from 'react';

export const InboxContext = createContext<Inbox | null>(null);

/** The provider's inbox (@kafka-notify/client), for what the hooks do not cover: `onChange`, `transport`, more feeds. */
export function useInbox(): Inbox {
  const value = useContext(InboxContext);
  if (!value) throw new Error('kafka-notify: wrap the component in <InboxProvider url=… getToken=…>');
  return value;
}
