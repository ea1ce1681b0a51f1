/** The example GraphiQL opens with: the classic tutorial's first notification. */
export const graphiqlDefaultQuery = /* GraphQL */ `# Welcome to kafka-notify.
# 1. In a second tab, run the subscription below (user 2 = Bruno).
# 2. Here, run SendFollow: Emma (1) follows Bruno (2). It arrives in the other tab.
# 3. Run Inbox to see Bruno's notifications, newest first.

subscription Live {
  notificationAdded(userId: "2") {
    seq
    kind
    message
    sender { name }
    createdAt
  }
}

mutation SendFollow {
  sendNotification(input: { senderId: "1", recipientId: "2", kind: FOLLOW, message: "Emma started following you." }) {
    id
    message
    createdAt
  }
}

query Inbox {
  notifications(userId: "2", first: 10) {
    totalCount
    edges { cursor node { seq kind message sender { name } createdAt status } }
    pageInfo { hasNextPage endCursor }
  }
  unreadCount(userId: "2")
}

query Users {
  users { id name }
}
`;
