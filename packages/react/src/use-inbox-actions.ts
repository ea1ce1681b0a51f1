/**
 * The inbox's mutations, from the provider's inbox. Each answer is an InboxChange (statuses and
 * the absolute unread count), applied at once to every hook of this page; the server pushes the
 * same change to the user's other tabs and devices.
 */
import type { Inbox, SendNotificationInput } from '@kafka-notify/client';
import { useInbox } from './context.js';

export type { SendNotificationInput };

export function useMarkRead(): Pick<Inbox, 'markRead' | 'markAllRead'> {
  const { markRead, markAllRead } = useInbox();
  return { markRead, markAllRead };
}

export function useArchive(): Pick<Inbox, 'archive'> {
  const { archive } = useInbox();
  return { archive };
}

/** Sends as the signed-in user; resolves once Kafka acknowledged the notification. */
export function useSendNotification(): Inbox['send'] {
  return useInbox().send;
}
