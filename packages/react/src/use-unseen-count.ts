/**
 * The live unseen count, the bell's badge: notifications not even shown yet. The inbox's one
 * count, like useUnreadCount's (read once, then the absolute count every change carries).
 * Opening the bell (markAllSeen) takes it to 0 while the feed's unread count stays.
 */
import type { UnseenCount } from '@kafka-notify/client';
import { useSyncExternalStore } from 'react';
import { useInbox } from './context.js';

export type { UnseenCount };

export function useUnseenCount(): UnseenCount {
  const { unseen } = useInbox();
  return useSyncExternalStore(unseen.subscribe, unseen.getState, unseen.getState);
}
