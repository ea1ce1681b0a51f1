/**
 * @kafka-notify/client: a live inbox with no framework. `createInbox({ url, getToken })` gives
 * stores for the feed, the unread and unseen counts and the connection, and the inbox's actions; the React
 * package (@kafka-notify/react) is a thin layer over it.
 */
export { createInbox, type Inbox, type InboxOptions, type InboxState } from './inbox.js';
export type { Feed, FeedOptions, FeedSnapshot } from './feed.js';
export { INBOX_TABS, tabFilter, type InboxTab } from './tabs.js';
export type { GroupedFeed, GroupedFeedOptions, GroupedFeedSnapshot } from './grouped-feed.js';
export type { InboxCount, UnreadCount, UnseenCount } from './unread-count.js';
export type { Store } from './store.js';
export { createTransport, type ConnectionStatus, type TokenGetter, type Transport, type TransportOptions } from './transport.js';
export type { FeedItem } from './operations.js';
export type { InboxChange, KindPreference, Notification, NotificationFilter, Preferences, PreferencesInput, SendNotificationInput, SentNotification } from './operations.js';
export { graphql, type ResultOf, type VariablesOf } from './graphql.js';
