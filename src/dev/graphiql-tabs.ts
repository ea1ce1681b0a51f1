/**
 * The tabs GraphiQL opens with in development: Bruno's inbox listening, Emma sending him the
 * classic tutorial's first notification, and a back end broadcasting to a topic. With dev tokens each tab carries its user's token, so the
 * tour runs without copying anything; without (a real secret configured) the tabs say where a
 * token goes. The production build has none of this: its GraphiQL, when on, opens as Yoga's does.
 */
import type { GraphiQLOptions } from 'graphql-yoga';
import type { DemoTokens } from './dev-tokens.js';

const listen = /* GraphQL */ `# Bruno's tab: his token is in Headers (below). Run Live here first,
# then run SendFollow in the next tab: Emma's follow arrives here.

subscription Live {
  notificationAdded {
    seq
    kind
    message
    sender { name }
    createdAt
  }
}

query Inbox {
  me { id name }
  unseenCount
  unreadCount
  notifications(first: 10) {
    totalCount
    edges { cursor node { id seq kind message sender { name } createdAt status } }
    pageInfo { hasNextPage endCursor }
  }
}

# Opening the bell: the badge (unseen) goes to 0, the feed (unread) stays.
mutation OpenBell {
  markAllNotificationsSeen { unseenCount unreadCount }
}

mutation MarkAllRead {
  markAllNotificationsRead { unseenCount unreadCount }
}
`;

const send = /* GraphQL */ `# Emma's tab: her token is in Headers (below). The sender is always
# the token's user; Bruno is user 2.

mutation SendFollow {
  sendNotification(input: { recipientId: "2", kind: "follow", message: "Emma started following you." }) {
    id
    sender { name }
    createdAt
  }
}
`;

const backEnd = /* GraphQL */ `# A back end's tab: the development service token (send and admin) is
# in Headers (below). Subscribe Emma and Bruno to a topic, then broadcast
# to it: Bruno's Live tab gets it (Emma too, in her inbox).

mutation Subscribe {
  subscribeToTopic(topic: "team-1", userIds: ["1", "2"]) { added unknownUserIds }
}

mutation Broadcast {
  sendBroadcast(input: { topic: "team-1", kind: "system", message: "Stand-up moves to 10:00." }) { id topic createdAt }
}

query Subscribers {
  topicSubscribers(topic: "team-1", first: 10) { nodes { id name } pageInfo { hasNextPage endCursor } }
}
`;

const authorization = (token: string | undefined) => ({
  Authorization: token ? `Bearer ${token}` : 'Bearer <a token: see the README, Authentication>',
});
const headersFor = (token: string | undefined) => JSON.stringify(authorization(token), null, 2);

/**
 * GraphiQL's options for these tabs. GraphiQL gives the first tab `defaultHeaders` (its own
 * headers would be dropped), and introspects with `additionalHeaders`, which each tab's
 * headers override.
 */
export function graphiqlTabs(tokens: DemoTokens | null, serviceToken?: string): GraphiQLOptions {
  return {
    defaultHeaders: headersFor(tokens?.bruno),
    ...(tokens && { additionalHeaders: authorization(tokens.bruno) }),
    defaultTabs: [{ query: listen }, { query: send, headers: headersFor(tokens?.emma) }, { query: backEnd, headers: headersFor(serviceToken) }],
  };
}
