/**
 * The live unread count: the inbox's one count (read once, then the absolute count every change
 * carries, so it cannot drift), shared by every badge under the provider.
 */
import type { UnreadCount } from '@kafka-notify/client';
import { useSyncExternalStore } from 'react';
import { useInbox } from './context.js';

export type { UnreadCount };

export function useUnreadCount(): UnreadCount {
  const { unread } = useInbox();
  return useSyncExternalStore(unread.subscribe, unread.getState, unread.getState);
}
