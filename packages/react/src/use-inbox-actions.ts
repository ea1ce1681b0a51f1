/**
 * The inbox's mutations, from the provider's inbox. Each answer is an InboxChange (statuses and
 * the absolute unread and unseen counts), applied at once to every hook of this page; the server
 * pushes the same change to the user's other tabs and devices.
 */
import type { Inbox, SendNotificationInput } from '@kafka-notify/client';
import { useInbox } from './context.js';

export type { SendNotificationInput };

export function useMarkRead(): Pick<Inbox, 'markRead' | 'markAllRead'> {
  const { markRead, markAllRead } = useInbox();
  return { markRead, markAllRead };
}

/** Seen without being read: markAllSeen is what opening the bell does (<Inbox /> calls it). */
export function useMarkSeen(): Pick<Inbox, 'markSeen' | 'markAllSeen'> {
  const { markSeen, markAllSeen } = useInbox();
  return { markSeen, markAllSeen };
}

export function useArchive(): Pick<Inbox, 'archive' | 'unarchive'> {
  const { archive, unarchive } = useInbox();
  return { archive, unarchive };
}

/** Out of the feed and both counts until a time, then back by itself, live (a SNOOZED filter lists them meanwhile). */
export function useSnooze(): Pick<Inbox, 'snooze' | 'unsnooze'> {
  const { snooze, unsnooze } = useInbox();
  return { snooze, unsnooze };
}

/**
 * Presses one of a notification's buttons (its index): recorded once, the first press winning, and
 * it is read too; every tab shows it as chosen. <Inbox /> does this for its items' buttons.
 */
export function usePressAction(): Inbox['pressAction'] {
  return useInbox().pressAction;
}

/** Sends as the signed-in user; resolves once Kafka acknowledged the notification. */
export function useSendNotification(): Inbox['send'] {
  return useInbox().send;
}
