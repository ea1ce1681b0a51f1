/** What the provider shares with the hooks: one transport, and one stream of inbox changes. */
import { createContext, useContext } from 'react';
import type { InboxChange } from './operations.js';
import type { Transport } from './transport.js';

export interface InboxContextValue {
  transport: Transport;
  /** Every change to the inbox: pushed by the server, or answered by a mutation of this tab. */
  onChange(listener: (change: InboxChange) => void): () => void;
  emitChange(change: InboxChange): void;
}

export const InboxContext = createContext<InboxContextValue | null>(null);

export function useInboxContext(): InboxContextValue {
  const value = useContext(InboxContext);
  if (!value) throw new Error('kafka-notify: wrap the component in <InboxProvider url=… getToken=…>');
  return value;
}
