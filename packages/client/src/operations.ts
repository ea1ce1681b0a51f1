/** Every operation the client runs, written once against schema.graphql. */
import { graphql, type ResultOf, type VariablesOf } from './graphql.js';

export const NotificationFields = graphql(`
  fragment NotificationFields on Notification {
    id
    seq
    cursor
    kind
    message
    link
    data
    createdAt
    seenAt
    readAt
    archivedAt
    snoozedUntil
    status
    sender { id name }
    actions { label url key }
    pressedAction { index at }
  }
`);

export const InboxChangeFields = graphql(
  `
  fragment InboxChangeFields on InboxChange {
    action
    ids
    unreadCount
    unseenCount
    notifications { ...NotificationFields }
  }
`,
  [NotificationFields],
);

export const InboxPageQuery = graphql(
  `
  query InboxPage($first: Int!, $after: String, $filter: NotificationFilter) {
    notifications(first: $first, after: $after, filter: $filter) {
      edges { node { ...NotificationFields } }
      pageInfo { hasNextPage endCursor }
      liveCursor
    }
  }
`,
  [NotificationFields],
);

export const UnreadCountQuery = graphql(`
  query UnreadCount { unreadCount }
`);

export const UnseenCountQuery = graphql(`
  query UnseenCount { unseenCount }
`);

export const MarkReadMutation = graphql(
  `
  mutation MarkRead($ids: [ID!]!) { markNotificationsRead(ids: $ids) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const MarkAllReadMutation = graphql(
  `
  mutation MarkAllRead { markAllNotificationsRead { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const ArchiveMutation = graphql(
  `
  mutation Archive($ids: [ID!]!) { archiveNotifications(ids: $ids) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const UnarchiveMutation = graphql(
  `
  mutation Unarchive($ids: [ID!]!) { unarchiveNotifications(ids: $ids) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const SnoozeMutation = graphql(
  `
  mutation Snooze($ids: [ID!]!, $until: DateTime!) { snoozeNotifications(ids: $ids, until: $until) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const UnsnoozeMutation = graphql(
  `
  mutation Unsnooze($ids: [ID!]!) { unsnoozeNotifications(ids: $ids) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

/** Presses button `action` (its index) of a notification: recorded once, and it is read too. */
export const PressActionMutation = graphql(
  `
  mutation PressAction($id: ID!, $action: Int!) { pressNotificationAction(notificationId: $id, action: $action) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const MarkSeenMutation = graphql(
  `
  mutation MarkSeen($ids: [ID!]!) { markNotificationsSeen(ids: $ids) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const MarkAllSeenMutation = graphql(
  `
  mutation MarkAllSeen { markAllNotificationsSeen { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export const SendNotificationMutation = graphql(`
  mutation SendNotification($input: SendNotificationInput!) {
    sendNotification(input: $input) { id createdAt }
  }
`);

export const PreferencesFields = graphql(`
  fragment PreferencesFields on Preferences {
    timeZone
    kinds { kind inApp delivery critical }
  }
`);

export const PreferencesQuery = graphql(
  `
  query Preferences { preferences { ...PreferencesFields } }
`,
  [PreferencesFields],
);

export const SetPreferencesMutation = graphql(
  `
  mutation SetPreferences($input: PreferencesInput!) { setPreferences(input: $input) { ...PreferencesFields } }
`,
  [PreferencesFields],
);

/** Every notification stored for the caller; with `after`, first the ones stored since it. */
export const NotificationAddedSubscription = graphql(
  `
  subscription NotificationAdded($after: String) { notificationAdded(after: $after) { ...NotificationFields } }
`,
  [NotificationFields],
);

export const InboxChangedSubscription = graphql(
  `
  subscription InboxChanged { notificationsChanged { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export type Notification = ResultOf<typeof NotificationFields>;
export type InboxChange = ResultOf<typeof InboxChangeFields>;
export type NotificationFilter = NonNullable<VariablesOf<typeof InboxPageQuery>['filter']>;
export type SendNotificationInput = VariablesOf<typeof SendNotificationMutation>['input'];
export type SentNotification = ResultOf<typeof SendNotificationMutation>['sendNotification'];
export type Preferences = ResultOf<typeof PreferencesFields>;
export type KindPreference = Preferences['kinds'][number];
export type PreferencesInput = VariablesOf<typeof SetPreferencesMutation>['input'];

/** A feed item (grouping): one notification, or a group key's notifications as one item. */
export const FeedItemFields = graphql(
  `
  fragment FeedItemFields on FeedItem {
    id
    groupKey
    count
    unreadCount
    actorCount
    actors { id name }
    createdAt
    updatedAt
    latest { ...NotificationFields }
  }
`,
  [NotificationFields],
);

export const FeedItemsQuery = graphql(
  `
  query FeedItems($first: Int!, $after: String) {
    feed(first: $first, after: $after) {
      edges { node { ...FeedItemFields } }
      pageInfo { hasNextPage endCursor }
      liveCursor
    }
  }
`,
  [FeedItemFields],
);

/** Each notification stored for the caller, with the item it shows in as it is after it. */
export const FeedItemAddedSubscription = graphql(
  `
  subscription FeedItemAdded($after: String) { notificationAdded(after: $after) { id feedItem { ...FeedItemFields } } }
`,
  [FeedItemFields],
);

export const MarkFeedItemReadMutation = graphql(
  `
  mutation MarkFeedItemRead($id: ID!) { markFeedItemRead(id: $id) { ...InboxChangeFields } }
`,
  [InboxChangeFields],
);

export type FeedItem = ResultOf<typeof FeedItemFields>;
