/** The domain's own types: what a stored notification is, independent of GraphQL, Kafka and SQL. */

/**
 * A kind is a product team's own name (`invoice.paid`, `pr.review_requested`), registered with its
 * defaults (see kinds.ts). These five are the seeded examples, and the only kinds version 1 of the
 * event carries.
 */
export const NOTIFICATION_KINDS = ['follow', 'mention', 'like', 'comment', 'system'] as const;
export type NotificationKind = string;

/**
 * One of each, in this precedence: archived, then snoozed (out of the feed until it wakes, whatever
 * its read state), then read, else unread.
 */
export const NOTIFICATION_STATUSES = ['unread', 'read', 'archived', 'snoozed'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface User {
  id: string;
  name: string;
}

/**
 * A button on a notification: a label, and either a URL to open or a key the app handles (one of
 * the two). Pressing one records which (by its index) on the notification.
 */
export interface NotificationAction {
  label: string;
  url: string | null;
  key: string | null;
}

/** A notification as it travels on Kafka and enters the store (it has no seq or read state yet). */
export interface NewNotification {
  id: string;
  senderId: string | null;
  recipientId: string;
  kind: NotificationKind;
  message: string;
  link: string | null;
  data: JsonValue | null;
  createdAt: Date;
  /** Unread notifications of one recipient with the same key show as one feed item (`post-7:like`). */
  groupKey?: string | null;
  /** At most two buttons. */
  actions?: readonly NotificationAction[];
  /** The workspace (tenant) it was sent within; null: outside any, as before workspaces. */
  workspaceId?: string | null;
}

/**
 * One notification for every subscriber of a topic, as it travels on the broadcast topic. Its
 * expansion gives each subscriber a NewNotification whose id is derived from this id and theirs.
 */
export interface NewBroadcast {
  id: string;
  topic: string;
  senderId: string | null;
  kind: NotificationKind;
  message: string;
  link: string | null;
  data: JsonValue | null;
  createdAt: Date;
}

/**
 * A notification as stored: `seq` grows per recipient in commit order (gaps allowed). Unseen,
 * then seen (the feed was shown), then read; reading or archiving it makes it seen too.
 */
export interface Notification extends NewNotification {
  seq: number;
  readAt: Date | null;
  archivedAt: Date | null;
  seenAt: Date | null;
  /** While snoozed: when it comes back into the feed (the snooze job wakes it then); null otherwise. */
  snoozedUntil: Date | null;
  /**
   * With a group key: the seq of its group's first notification, which names the feed item it
   * shows in (feed.ts); absent or null without a key (it is an item of its own).
   */
  groupSeq?: number | null;
  /** Its buttons as stored: none for one sent without (and for every row before migration 010). */
  actions: readonly NotificationAction[];
  /** Which button its recipient pressed, and when; null until pressed. Set once: the first press wins. */
  pressedAction: PressedAction | null;
}

/** A press of one of a notification's buttons: its index in `actions`. */
export interface PressedAction {
  index: number;
  at: Date;
}
