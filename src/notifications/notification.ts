/** The domain's own types: what a stored notification is, independent of GraphQL, Kafka and SQL. */

export const NOTIFICATION_KINDS = ['follow', 'mention', 'like', 'comment', 'system'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

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
}
