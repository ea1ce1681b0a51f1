/** @kafka-notify/react: the provider, the hooks for a UI of your own, and a ready-made inbox. */
import './styles.css';

export { InboxProvider, type InboxProviderProps } from './provider.js';
export { useNotifications, type NotificationsFeed, type UseNotificationsOptions } from './use-notifications.js';
export { useUnreadCount, type UnreadCount } from './use-unread-count.js';
export { useArchive, useMarkRead, useSendNotification, type SendNotificationInput } from './use-inbox-actions.js';
export { useConnectionStatus } from './use-connection-status.js';
export { NotificationBell, type NotificationBellProps } from './notification-bell.js';
export { NotificationFeed, type NotificationFeedProps } from './notification-feed.js';
export { Inbox, type InboxProps } from './inbox.js';
export { relativeTime } from './relative-time.js';
export { createTransport, type ConnectionStatus, type TokenGetter, type Transport, type TransportOptions } from './transport.js';
export type { InboxChange, Notification, NotificationFilter } from './operations.js';
export { graphql } from './graphql.js';
