/**
 * createInbox({ url, getToken }): one user's inbox over one connection. It follows
 * `notificationsChanged` from the start (absolute unread and unseen counts, statuses), shares
 * every change with all it made (the counts, each feed), and runs the inbox's mutations, whose
 * answers it applies at once, before the server's push of the same change reaches the user's
 * other tabs.
 *
 * Its parts are stores (store.ts) that work only while watched: `inbox.subscribe(render)` runs the
 * default feed and both counts; a UI that shows only a badge watches `inbox.unseen` alone.
 */
import type { AnyVariables, OperationResult } from '@urql/core';
import type { InboxConnection } from './connection.js';
import { createFeed, type Feed, type FeedOptions, type FeedSnapshot } from './feed.js';
import { createGroupedFeed, type GroupedFeed, type GroupedFeedOptions } from './grouped-feed.js';
import {
  ArchiveMutation,
  InboxChangedSubscription,
  MarkAllReadMutation,
  MarkAllSeenMutation,
  MarkFeedItemReadMutation,
  MarkReadMutation,
  MarkSeenMutation,
  PreferencesQuery,
  PressActionMutation,
  SendNotificationMutation,
  SetPreferencesMutation,
  SnoozeMutation,
  UnarchiveMutation,
  UnsnoozeMutation,
  type InboxChange,
  type Preferences,
  type PreferencesInput,
  type SendNotificationInput,
  type SentNotification,
} from './operations.js';
import type { Store } from './store.js';
import { createTransport, type ConnectionStatus, type Transport, type TransportOptions } from './transport.js';
import { createUnreadCount, createUnseenCount, type UnreadCount, type UnseenCount } from './unread-count.js';

/** Where to connect and as whom; `filter` and `pageSize` shape the default feed. */
export interface InboxOptions extends TransportOptions, FeedOptions {}

export interface InboxState {
  feed: FeedSnapshot;
  /** Neither read nor archived: what the feed shows as unread. */
  unread: UnreadCount;
  /** Not even shown yet: the bell's badge; markAllSeen (opening the bell) takes it to 0. */
  unseen: UnseenCount;
  connectionStatus: ConnectionStatus;
}

export interface Inbox extends Store<InboxState> {
  /** The default feed (the options' filter and page size). */
  readonly notifications: Feed;
  readonly unread: Store<UnreadCount>;
  readonly unseen: Store<UnseenCount>;
  readonly connection: Store<ConnectionStatus>;
  readonly connectionStatus: ConnectionStatus;
  /** Another feed (another filter or page size) over the same connection. */
  feed(options?: FeedOptions): Feed;
  /** The default feed's next older page. */
  loadMore(): Promise<void>;
  /** The feed of items: a group key's notifications as one item, updated live as more arrive. */
  groupedFeed(options?: GroupedFeedOptions): GroupedFeed;
  /** Opening an item: every unread notification of it read, in one change. */
  markFeedItemRead(id: string): Promise<InboxChange>;
  /** Each resolves to the InboxChange, already applied to both counts and every feed. */
  markRead(ids: readonly string[]): Promise<InboxChange>;
  markAllRead(): Promise<InboxChange>;
  /** Seen: the feed showed them (read implies seen; these are for showing without reading). */
  markSeen(ids: readonly string[]): Promise<InboxChange>;
  /** What opening the bell does: the unseen count drops to 0, the unread one stays. */
  markAllSeen(): Promise<InboxChange>;
  archive(ids: readonly string[]): Promise<InboxChange>;
  /** Back into the default feed, with their read state. */
  unarchive(ids: readonly string[]): Promise<InboxChange>;
  /**
   * Out of the feed and both counts until `until` (in the future, at most a year ahead), then back
   * by itself, live, as it was; a SNOOZED filter lists them meanwhile.
   */
  snooze(ids: readonly string[], until: Date): Promise<InboxChange>;
  /** Back from a snooze now. */
  unsnooze(ids: readonly string[]): Promise<InboxChange>;
  /**
   * Presses button `action` (its index in `actions`): recorded on the notification, which is read
   * too, and shown as pressed in every tab. The first press wins: the same button again resolves
   * as before, another one rejects with ACTION_ALREADY_PRESSED.
   */
  pressAction(id: string, action: number): Promise<InboxChange>;
  /** The user's preferences: every kind (in-app on or muted, delivery, critical) and the time zone. */
  preferences(): Promise<Preferences>;
  /**
   * Changes what `input` names (a critical kind cannot be muted or digested) and resolves to every
   * kind as it now is. A muted kind is not stored for the user from then on; a digested one comes
   * as one summary notification per hour or day, its items in `data.digest`.
   */
  setPreferences(input: PreferencesInput): Promise<Preferences>;
  /** Sends as the signed-in user; resolves once Kafka acknowledged the notification. */
  send(input: SendNotificationInput): Promise<SentNotification>;
  /** Every change to the inbox, pushed or answered; returns the unsubscribe function. */
  onChange(listener: (change: InboxChange) => void): () => void;
  /** The GraphQL client underneath (urql), for operations of an app's own. */
  readonly transport: Transport;
  /** Closes the connection; feeds and counts stop. */
  dispose(): void;
}

function dataOf<Data>(result: OperationResult<Data, AnyVariables>): Data {
  if (result.error || !result.data) throw result.error ?? new Error('no data in the answer');
  return result.data;
}

export function createInbox({ filter, pageSize, ...transportOptions }: InboxOptions): Inbox {
  const transport = createTransport(transportOptions);
  const { client } = transport;
  const changeListeners = new Set<(change: InboxChange) => void>();
  const emitChange = (change: InboxChange) => {
    for (const listener of [...changeListeners]) listener(change);
  };

  const connection: InboxConnection = {
    query: async (document, variables) => dataOf(await client.query(document, variables).toPromise()),
    subscribe(document, variables, onData) {
      const subscription = client.subscription(document, variables).subscribe((result) => result.data && onData(result.data));
      return () => subscription.unsubscribe();
    },
    onChange(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    onReconnect: (listener) => transport.onReconnect(listener),
  };
  const changes = client.subscription(InboxChangedSubscription, {}).subscribe((result) => result.data && emitChange(result.data.notificationsChanged));

  const notifications = createFeed(connection, { filter, pageSize });
  const unread = createUnreadCount(connection);
  const unseen = createUnseenCount(connection);
  const status: Store<ConnectionStatus> = { getState: transport.status, subscribe: (listener) => transport.onStatus(listener) };

  // One object per combination of the parts' states, as useSyncExternalStore and memoised views expect.
  let combined: InboxState | undefined;
  const getState = (): InboxState => {
    const [feed, unreadCount, unseenCount, connectionStatus] = [notifications.getState(), unread.getState(), unseen.getState(), status.getState()];
    if (combined?.feed !== feed || combined.unread !== unreadCount || combined.unseen !== unseenCount || combined.connectionStatus !== connectionStatus) {
      combined = { feed, unread: unreadCount, unseen: unseenCount, connectionStatus };
    }
    return combined;
  };

  const mutate = async <Data>(run: () => Promise<OperationResult<Data, AnyVariables>>, pick: (data: Data) => InboxChange) => {
    const change = pick(dataOf(await run()));
    emitChange(change);
    return change;
  };

  return {
    getState,
    subscribe(listener) {
      const notify = () => listener(getState());
      const stops = [notifications.subscribe(notify), unread.subscribe(notify), unseen.subscribe(notify), status.subscribe(notify)];
      return () => stops.forEach((stop) => stop());
    },
    notifications,
    unread,
    unseen,
    connection: status,
    get connectionStatus() {
      return transport.status();
    },
    feed: (options) => createFeed(connection, options),
    loadMore: () => notifications.loadMore(),
    groupedFeed: (options) => createGroupedFeed(connection, options),
    markFeedItemRead: (id) => mutate(() => client.mutation(MarkFeedItemReadMutation, { id }).toPromise(), (data) => data.markFeedItemRead),
    markRead: (ids) => mutate(() => client.mutation(MarkReadMutation, { ids: [...ids] }).toPromise(), (data) => data.markNotificationsRead),
    markAllRead: () => mutate(() => client.mutation(MarkAllReadMutation, {}).toPromise(), (data) => data.markAllNotificationsRead),
    markSeen: (ids) => mutate(() => client.mutation(MarkSeenMutation, { ids: [...ids] }).toPromise(), (data) => data.markNotificationsSeen),
    markAllSeen: () => mutate(() => client.mutation(MarkAllSeenMutation, {}).toPromise(), (data) => data.markAllNotificationsSeen),
    archive: (ids) => mutate(() => client.mutation(ArchiveMutation, { ids: [...ids] }).toPromise(), (data) => data.archiveNotifications),
    unarchive: (ids) => mutate(() => client.mutation(UnarchiveMutation, { ids: [...ids] }).toPromise(), (data) => data.unarchiveNotifications),
    snooze: (ids, until) =>
      mutate(() => client.mutation(SnoozeMutation, { ids: [...ids], until: until.toISOString() }).toPromise(), (data) => data.snoozeNotifications),
    unsnooze: (ids) => mutate(() => client.mutation(UnsnoozeMutation, { ids: [...ids] }).toPromise(), (data) => data.unsnoozeNotifications),
    pressAction: (id, action) => mutate(() => client.mutation(PressActionMutation, { id, action }).toPromise(), (data) => data.pressNotificationAction),
    // Never from urql's cache: another tab may have changed them.
    preferences: async () => dataOf(await client.query(PreferencesQuery, {}, { requestPolicy: 'network-only' }).toPromise()).preferences,
    setPreferences: async (input) => dataOf(await client.mutation(SetPreferencesMutation, { input }).toPromise()).setPreferences,
    send: async (input) => dataOf(await client.mutation(SendNotificationMutation, { input }).toPromise()).sendNotification,
    onChange: connection.onChange,
    transport,
    dispose() {
      changes.unsubscribe();
      changeListeners.clear();
      transport.dispose();
    },
  };
}
