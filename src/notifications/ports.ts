/**
 * The interfaces the domain needs from the outside world. `kafka/`, `store/` and `pubsub/`
 * implement them; nothing in `notifications/` imports an adapter.
 */
import type { Activity } from './activity-event.js';
import type { ErrorCode } from './errors.js';
import type { InboxRef } from './inbox-key.js';
import type { NewBroadcast, NewNotification, Notification, NotificationKind, NotificationStatus, User } from './notification.js';
import type { FeedItem, FeedPage, FeedPageQuery } from './feed-item.js';
import type { Delivery } from './preferences.js';
import type { KindSpec, KindsUpsert, RegisteredKind } from './kinds.js';

export interface NotificationFilter {
  /** Statuses to include; when absent: unread and read (archived and snoozed are hidden by default). */
  status?: readonly NotificationStatus[];
  kind?: readonly NotificationKind[];
}

/** A page holds this many unless the query says otherwise, and never more than the max. */
export const PAGE_SIZE_DEFAULT = 20;
export const PAGE_SIZE_MAX = 100;

/**
 * Keyset paging on the per-recipient `seq`, newest first. `after`/`before` are seq values
 * (already decoded from their cursors). `first` pages towards older, `last` towards newer.
 */
export interface NotificationPageQuery {
  userId: string;
  /** The user's inbox in this workspace; absent or null: outside any workspace (inbox-key.ts). */
  workspaceId?: string | null;
  first?: number;
  after?: number;
  last?: number;
  before?: number;
  filter?: NotificationFilter;
  /**
   * Default true. A status filter alone is counted from the recipient's kept counts (one row); a
   * kind filter is counted over its rows. Skip it when nobody asked.
   */
  countTotal?: boolean;
}

export interface NotificationPage {
  /** Newest first. */
  items: Notification[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  /** Matching the filter, ignoring paging; null when the query said `countTotal: false`. */
  totalCount: number | null;
  /**
   * The recipient's newest seq when the page was read, read in the same snapshot as the rows:
   * whatever is stored later has a higher seq, so a live feed from here misses nothing.
   */
  lastSeq: number;
}

/**
 * Every method that reads or changes an inbox's rows or counts names the inbox (an InboxRef: a
 * user id alone is the user's inbox outside any workspace) and touches no other's.
 */
export interface NotificationStore {
  /** Inserts in ONE transaction, skipping ids already stored; returns only the rows inserted, in input order. */
  insertNotifications(items: readonly NewNotification[]): Promise<Notification[]>;
  listNotifications(query: NotificationPageQuery): Promise<NotificationPage>;
  /** Oldest first: the recipient's notifications with seq > afterSeq (archived included), at most `limit`. */
  listNotificationsAfter(inbox: InboxRef, afterSeq: number, limit: number): Promise<Notification[]>;
  getNotifications(ids: readonly string[]): Promise<Notification[]>;
  unreadCount(inbox: InboxRef): Promise<number>;
  /** The bell's and the feed's counts together, read from one counter row (zeros for an empty inbox). */
  inboxCounts(inbox: InboxRef): Promise<InboxCounts>;
  /**
   * Each recipient's newest seq as committed (0 for an empty inbox), in the order asked: where a
   * live feed without a cursor starts, and whether a feed told to resync missed anything at all.
   */
  lastSeqs(inboxes: readonly InboxRef[]): Promise<number[]>;

  /** State changes on the given ids of ONE inbox (ids of another are left alone); return the rows changed. */
  markRead(inbox: InboxRef, ids: readonly string[], at: Date): Promise<Notification[]>;
  markUnread(inbox: InboxRef, ids: readonly string[]): Promise<Notification[]>;
  markAllRead(inbox: InboxRef, at: Date): Promise<number>;
  archive(inbox: InboxRef, ids: readonly string[], at: Date): Promise<Notification[]>;
  /** Back into the default view, keeping its read state; it stays seen. */
  unarchive(inbox: InboxRef, ids: readonly string[]): Promise<Notification[]>;
  /** Marks seen what is unseen (neither seen, read nor archived). */
  markSeen(inbox: InboxRef, ids: readonly string[], at: Date): Promise<Notification[]>;
  /** Every unseen one; returns how many, exactly the drop in the unseen count. */
  markAllSeen(inbox: InboxRef, at: Date): Promise<number>;
  /**
   * Out of the feed and its counts until `until` (status snoozed), keeping read and seen state; a
   * snoozed one gets the new time, an archived one is left alone. Returns the rows snoozed.
   */
  snooze(inbox: InboxRef, ids: readonly string[], until: Date): Promise<Notification[]>;
  /** Back into the feed now, as it was before the snooze. */
  unsnooze(inbox: InboxRef, ids: readonly string[]): Promise<Notification[]>;

  /** Feed items (grouping, feed-item.ts), keyset-paged on each item's newest seq in the view, newest first. */
  listFeed(query: FeedPageQuery): Promise<FeedPage>;
  /** The named items of one inbox as the default view (unread and read) shows them, in the order asked; null where it shows none. */
  feedItems(inbox: InboxRef, itemSeqs: readonly number[]): Promise<(FeedItem | null)[]>;
  /** Every unread notification of one item, read in one statement (as markRead); returns the rows changed. */
  markFeedItemRead(inbox: InboxRef, itemSeq: number, at: Date): Promise<Notification[]>;
  /**
   * Wakes every row whose snooze is due at `at`, of at most `recipientLimit` recipients, in one
   * statement: each row is woken once however many callers run it at once. Returns the rows woken
   * (by recipient, then seq); fewer than `recipientLimit` recipients in them means none is left.
   */
  wakeSnoozed(at: Date, recipientLimit: number): Promise<Notification[]>;
  /** The nearest time a snoozed row is due, of any recipient; null when none is snoozed. */
  nextSnoozeDue(): Promise<Date | null>;
  /**
   * Records a press of button `index` of one notification of `inbox`, and reads it (so it is
   * seen too), in one transaction: only when no button of it was pressed yet and it has that
   * button. Returns the row pressed, or nothing when it was not (the first press wins).
   */
  pressAction(inbox: InboxRef, id: string, index: number, at: Date): Promise<Notification[]>;
  delete(inbox: InboxRef, ids: readonly string[]): Promise<string[]>;
  /** Retention: removes notifications created before `before`; returns how many. */
  deleteCreatedBefore(before: Date): Promise<number>;

  listUsers(): Promise<User[]>;
  getUsers(ids: readonly string[]): Promise<User[]>;
  /** Inserts users that do not exist yet (by id); never overwrites. */
  seedUsers(users: readonly User[]): Promise<void>;
  /** Creates the user, or renames the one with that id; returns it as stored. */
  upsertUser(user: User): Promise<User>;

  /** Subscribes those of `userIds` who exist to `topic`; returns the ids newly subscribed (the others already were, or are no user). */
  subscribeToTopic(topic: string, userIds: readonly string[], at: Date): Promise<string[]>;
  /** Returns the ids that were subscribed and no longer are. */
  unsubscribeFromTopic(topic: string, userIds: readonly string[]): Promise<string[]>;
  /** A page of a topic's subscribers, in user id order: the keyset a broadcast's expansion resumes from. */
  listTopicSubscribers(query: TopicSubscriberQuery): Promise<string[]>;
  /** How far a broadcast's expansion got; null before its first page. */
  broadcastProgress(broadcastId: string): Promise<BroadcastProgress | null>;
  recordBroadcastProgress(progress: BroadcastProgress): Promise<void>;

  /**
   * The activity outbox: every state change above writes one row per notification it changed, in
   * its own statement, and the relay drains them to the activity topic. Leases up to `limit` of
   * the oldest rows no one holds, for `leaseMs`, in outbox order.
   */
  claimActivity(limit: number, leaseMs: number): Promise<OutboxedActivity[]>;
  /** Removes rows Kafka acknowledged. */
  deleteActivity(positions: readonly number[]): Promise<void>;
  /** Frees rows Kafka did not take, for the next claim. */
  releaseActivity(positions: readonly number[]): Promise<void>;
  /** How many rows wait, and the change time of the oldest (null when none). */
  activityBacklog(): Promise<ActivityBacklog>;

  /**
   * A user's preferences as stored: only what differs from the kind's defaults (see
   * preferences.ts); a kind without a row, or a field left null, follows its default.
   */
  getPreferences(userId: string): Promise<StoredPreferences>;
  /** Changes what `change` names, in one transaction; an override set to null follows the default again. */
  setPreferences(userId: string, change: PreferencesChange): Promise<void>;
  /** Of the (recipient, kind) pairs of a batch, those the recipient muted (in-app off): one query per batch. */
  mutedPairs(pairs: readonly RecipientKind[]): Promise<RecipientKind[]>;

  /** The kind registry (kinds.ts): every registered kind, in registration order. */
  listKinds(): Promise<RegisteredKind[]>;
  /**
   * Creates or changes these kinds in one transaction and answers them as stored; changes nothing
   * (and says how many are registered) when the registry would then hold more than `max`.
   */
  upsertKinds(kinds: readonly KindSpec[], max: number): Promise<KindsUpsert>;

  /**
   * Digests (digests.ts): what the consumer needs, in one call per batch, to route a batch's
   * notifications: the delivery overrides of its (recipient, kind) pairs, the recipients' time
   * zones (those who set one), and which of its ids are already kept in a digest.
   */
  digestRouting(pairs: readonly RecipientKind[], ids: readonly string[]): Promise<DigestRouting>;
  /**
   * Keeps each item in its period, in one transaction: a period already claimed or closed takes
   * nothing, and the item goes to `next(period)` (then the one after, …) instead. An id already
   * kept, or already in the inbox, is skipped. Returns the items kept, with the period each went to.
   */
  addDigestItems(items: readonly DigestItem[], next: (period: DigestPeriod) => DigestPeriod): Promise<DigestItem[]>;
  /**
   * Claims up to `limit` periods whose end is at or before `at`, not closed and not leased, until
   * `at + leaseMs` (each claimed by one caller however many run at once), with their first
   * `itemLimit` items. Claimed periods with no item are closed here and not returned.
   */
  claimDueDigests(at: Date, limit: number, leaseMs: number, itemLimit: number): Promise<ClaimedDigest[]>;
  /** When the next period holding items can be claimed: its end, or its lease's end when claimed (null: none). */
  nextDigestDue(): Promise<Date | null>;
  /** Marks claimed periods closed (their summaries were produced). */
  closeDigests(periods: readonly DigestPeriod[], at: Date): Promise<void>;
  /** Removes periods closed before `before`, with their items; returns how many periods. */
  pruneDigests(before: Date): Promise<number>;
  /** Periods not closed yet and the items they hold. */
  digestBacklog(): Promise<DigestBacklog>;

  /** Cheap round-trip for readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface TopicSubscriberQuery {
  topic: string;
  /** Subscribers with a user id after this one (keyset); from the first when absent. */
  after?: string | null;
  first: number;
  /** Only those subscribed at or before this time: a broadcast reaches who was subscribed when it was sent. */
  subscribedBy?: Date;
}

export interface BroadcastProgress {
  broadcastId: string;
  topic: string;
  /** The last subscriber whose notification Kafka acknowledged; the expansion resumes after it. */
  lastUserId: string | null;
  /** Notifications produced so far (the sender, when subscribed, gets none). */
  recipients: number;
  done: boolean;
}

export interface RecipientKind {
  userId: string;
  kind: NotificationKind;
}

/** One kind's overrides: null where the kind's default applies. */
export interface KindOverride {
  kind: NotificationKind;
  inApp: boolean | null;
  delivery: Delivery | null;
}

export interface StoredPreferences {
  /** An IANA name; null until the user sets one. */
  timeZone: string | null;
  /** Only the kinds with an override, in kind order. */
  kinds: KindOverride[];
}

/** Absent: left as it is; null: back to the default; a value: the override. */
export interface PreferencesChange {
  timeZone?: string;
  kinds: readonly { kind: NotificationKind; inApp?: boolean | null; delivery?: Delivery | null }[];
}

export type DigestDelivery = Exclude<Delivery, 'immediate'>;

/** A digest period: its key (recipient, workspace, kind, delivery, start) and its end, fixed when it opens. */
export interface DigestPeriod {
  recipientId: string;
  /** The workspace whose inbox gets its summary; null outside any (as NewNotification's). */
  workspaceId: string | null;
  kind: NotificationKind;
  delivery: DigestDelivery;
  start: Date;
  end: Date;
}

export interface DigestItem {
  period: DigestPeriod;
  notification: NewNotification;
}

export interface DigestRouting {
  /** Only the pairs with a delivery override. */
  deliveries: (RecipientKind & { delivery: Delivery })[];
  /** Only the recipients who set a time zone. */
  timeZones: { userId: string; timeZone: string }[];
  /** Ids of the batch already kept in a digest (a redelivery): digested, whatever the delivery says now. */
  digested: string[];
}

/** An item as a summary lists it. */
export interface DigestEntry {
  id: string;
  senderId: string | null;
  message: string;
  link: string | null;
  createdAt: Date;
}

export interface ClaimedDigest {
  period: DigestPeriod;
  /** How many items the period holds. */
  total: number;
  /** The first of them, oldest first. */
  items: DigestEntry[];
}

export interface DigestBacklog {
  periods: number;
  items: number;
}

/**
 * A recipient's counts, both absolute. Unseen (the bell): neither seen, read nor archived. Unread
 * (the feed): neither read nor archived; every unseen one is unread too.
 */
export interface InboxCounts {
  unread: number;
  unseen: number;
}

/** A committed change waiting in the outbox; `position` orders the outbox and names the row. */
export interface OutboxedActivity extends Activity {
  position: number;
}

export interface ActivityBacklog {
  rows: number;
  oldestAt: Date | null;
}

/** Writes activity events (to the activity topic, keyed by recipient), acknowledged as NotificationProducer's. */
export interface ActivityProducer {
  send(items: readonly Activity[]): Promise<void>;
}

/** Writes events to the log. Resolves only once the broker acknowledged every message (acks = all). */
export interface NotificationProducer {
  send(items: readonly NewNotification[]): Promise<void>;
}

/** Writes broadcast events (one per broadcast, to the broadcast topic), acknowledged as NotificationProducer's. */
export interface BroadcastProducer {
  send(items: readonly NewBroadcast[]): Promise<void>;
}

/**
 * `resync` is not a change in the store: the live path was interrupted (pub/sub away) and open
 * feeds caught up from the store; a client refetches what it shows, the counts it carries are current.
 */
export const INBOX_ACTIONS = ['added', 'read', 'unread', 'all_read', 'archived', 'deleted', 'resync', 'seen', 'all_seen', 'unarchived', 'snoozed', 'unsnoozed', 'action_pressed'] as const;
export type InboxAction = (typeof INBOX_ACTIONS)[number];

/** A trace context as W3C headers (`traceparent`, maybe `tracestate`): plain strings any transport carries. */
export type TraceCarrier = Readonly<Record<string, string>>;

/** Something that changed in one recipient's inbox, after the store committed it. */
export interface InboxEvent {
  userId: string;
  /** The inbox's workspace; absent or null: outside any (an event published before workspaces has none). */
  workspaceId?: string | null;
  action: InboxAction;
  /** The rows as they are after the change; empty for `deleted`, `all_read` and `all_seen`. */
  notifications: Notification[];
  /** The ids concerned; empty for `all_read` (every unread one) and `all_seen` (every unseen one). */
  ids: string[];
  /**
   * For `added`, while tracing is on: the trace context of the consume step that stored it, so the
   * push continues the send's trace. It travels with the event (Redis included), never into the
   * store or the GraphQL schema; an event without it is pushed untraced.
   */
  trace?: TraceCarrier;
}

export interface InboxPubSub {
  /** `trace`: the context to continue when it is pushed (see `InboxEvent.trace`). */
  publishAdded(notification: Notification, trace?: TraceCarrier): void;
  publishChanged(event: InboxEvent): void;
  /**
   * Every event of the recipient's inbox, and a `resync` event whenever the pub/sub may have lost
   * some (its connection dropped and came back): the feed then reads the store for what it missed.
   * Subscribing starts listening at once, not at the first read: nothing published after the call is lost.
   */
  subscribeInbox(inbox: InboxRef): AsyncIterable<InboxEvent>;
}

export type PushSource = 'live' | 'replay' | 'catchup';

/** What sending and the live feeds report as they work (metrics); the domain never sees how. */
export interface NotifyTelemetry {
  /** One notification a send asked for: accepted (Kafka acknowledged it), or refused with a code. */
  sent(kind: NotificationKind, outcome: 'accepted' | ErrorCode): void;
  /**
   * One notification handed to a notificationAdded subscriber: live; replayed after a cursor; or
   * caught up from the store because the live path skipped it (a seq gap, or a pub/sub resync).
   */
  pushed(notification: Notification, source: PushSource): void;
}

export const NO_TELEMETRY: NotifyTelemetry = { sent: () => {}, pushed: () => {} };
