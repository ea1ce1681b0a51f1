/**
 * @kafka-notify/react: the provider, the hooks for a UI of your own, and a ready-made inbox. The
 * stylesheet comes with the published build (with-styles.ts); from the sources, import
 * ./styles.css beside this.
 */

export { InboxProvider, type InboxProviderProps } from './provider.js';
export { useInbox } from './context.js';
export { useNotifications, type NotificationsFeed, type UseNotificationsOptions } from './use-notifications.js';
export { useUnreadCount, type UnreadCount } from './use-unread-count.js';
export { useUnseenCount, type UnseenCount } from './use-unseen-count.js';
export { useArchive, useMarkRead, useMarkSeen, usePressAction, useSendNotification, useSnooze, type SendNotificationInput } from './use-inbox-actions.js';
export { useConnectionStatus } from './use-connection-status.js';
export { NotificationBell, type NotificationBellProps } from './notification-bell.js';
export { NotificationFeed, type NotificationFeedProps } from './notification-feed.js';
export { ActionButtons, type ActionButtonsProps, type ActionHandler } from './action-buttons.js';
export { GroupedFeed, type GroupedFeedProps } from './grouped-feed.js';
export { useFeedItems, type FeedItems } from './use-feed-items.js';
export { Inbox, type InboxProps } from './inbox.js';
export { FeedTabs, type FeedTabsProps } from './feed-tabs.js';
export { Preferences, type PreferencesProps } from './preferences.js';
export { usePreferences, type UsePreferences } from './use-preferences.js';
export { relativeTime } from './relative-time.js';
// What this package exported before the client moved into @kafka-notify/client, still here.
export { INBOX_TABS, tabFilter, type InboxTab } from '@kafka-notify/client';
export { createTransport, graphql, type ConnectionStatus, type TokenGetter, type Transport, type TransportOptions } from '@kafka-notify/client';
export type { InboxChange, KindPreference, Notification, NotificationFilter, PreferencesInput } from '@kafka-notify/client';
export type { FeedItem } from '@kafka-notify/client';
