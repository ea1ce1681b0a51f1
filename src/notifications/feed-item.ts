/**
 * A feed item (issue 17, grouping): one notification, or the group of a recipient's notifications
 * sent with one group key while the group had unread members ("Emma and 4 others liked your post").
 * What it says is read from its notifications in one snapshot (store/feed.ts); what names it is
 * fixed when its first notification is stored (store/group-assignment.ts).
 */
import { badInput } from './errors.js';
import type { InboxKey } from './inbox-key.js';
import type { Notification, NotificationStatus } from './notification.js';

/** How many of an item's actors it names; the rest are counted ("and 4 others"). */
export const FEED_ACTORS_MAX = 3;

export interface FeedItem {
  recipientId: string;
  /** Names the item in its inbox: its group's first seq, or the notification's own seq without a key. */
  itemSeq: number;
  groupKey: string | null;
  /** The newest of its notifications in the view: its seq is the item's place in the feed. */
  latest: Notification;
  /** Its notifications in the view. */
  count: number;
  /** Of those, the unread ones. */
  unreadCount: number;
  /** Distinct senders among them (SYSTEM, no sender, is not an actor). */
  actorCount: number;
  /** The newest distinct senders first, at most FEED_ACTORS_MAX. */
  actorIds: string[];
  /** When its oldest notification in the view was sent. */
  firstCreatedAt: Date;
}

/** Which of an item's notifications count: by status, as the inbox's filter (default unread and read). */
export interface FeedFilter {
  status?: readonly NotificationStatus[];
}

/** Keyset paging on each item's newest seq, newest first: `after` is that seq (decoded). */
export interface FeedPageQuery {
  userId: string;
  /** The user's inbox in this workspace; absent or null: outside any (inbox-key.ts). */
  workspaceId?: string | null;
  first: number;
  after?: number;
  filter?: FeedFilter;
}

export interface FeedPage {
  items: FeedItem[];
  hasNextPage: boolean;
  /** The recipient's newest seq when the page was read, as NotificationPage.lastSeq. */
  lastSeq: number;
}

/** The item a stored notification shows in. */
export const itemSeqOf = (notification: Pick<Notification, 'seq' | 'groupSeq'>): number => notification.groupSeq ?? notification.seq;

/**
 * An item's id: opaque, and unique across inboxes (an item's seq is unique only in its own inbox,
 * which the id names too: recipient and workspace).
 */
export function encodeFeedItemId(inbox: InboxKey, itemSeq: number): string {
  return Buffer.from(JSON.stringify(['f', itemSeq, inbox.userId, inbox.workspaceId])).toString('base64url');
}

export function decodeFeedItemId(id: string, field: string): { inbox: InboxKey; itemSeq: number } {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(id, 'base64url').toString('utf8'));
  } catch {
    parts = null;
  }
  if (Array.isArray(parts) && parts.length === 4) {
    const [tag, itemSeq, userId, workspaceId] = parts as unknown[];
    if (tag === 'f' && Number.isSafeInteger(itemSeq) && (itemSeq as number) > 0 && typeof userId === 'string' && (workspaceId === null || typeof workspaceId === 'string')) {
      return { inbox: { userId, workspaceId }, itemSeq: itemSeq as number };
    }
  }
  throw badInput(`${field} is not a valid feed item id`, field);
}
