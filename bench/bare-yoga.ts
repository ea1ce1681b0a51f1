/**
 * The query baseline: a bare graphql-yoga server (createYoga + createServer, nothing else) whose
 * one field answers the same shape as `notifications(userId, first: 20)` from a constant list of
 * 20 similar objects. What the service spends beyond this is its own: store, Pothos, context.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';

const typeDefs = /* GraphQL */ `
  enum NotificationKind { FOLLOW MENTION LIKE COMMENT SYSTEM }
  enum NotificationStatus { UNREAD READ ARCHIVED }
  type User { id: ID! name: String! }
  type Notification {
    id: ID!
    seq: Int!
    kind: NotificationKind!
    message: String!
    createdAt: String!
    status: NotificationStatus!
    sender: User
  }
  type NotificationEdge { cursor: String! node: Notification! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type NotificationConnection { totalCount: Int! edges: [NotificationEdge!]! pageInfo: PageInfo! }
  type Query { notifications(userId: ID!, first: Int): NotificationConnection! }
`;

const createdAt = new Date().toISOString();
const edges = Array.from({ length: 20 }, (_, index) => {
  const seq = 200 - index;
  return {
    cursor: Buffer.from(`seq:${seq}`).toString('base64url'),
    node: {
      id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
      seq,
      kind: 'like',
      message: `Emma liked your post #${seq}.`,
      createdAt,
      status: 'UNREAD',
      sender: { id: '1', name: 'Emma' },
    },
  };
});
const connection = { totalCount: 200, edges, pageInfo: { hasNextPage: true, endCursor: edges.at(-1)!.cursor } };

export async function startBareYoga(): Promise<{ url: string; stop(): Promise<void> }> {
  const yoga = createYoga({
    schema: createSchema({ typeDefs, resolvers: { Query: { notifications: () => connection } } }),
    logging: false,
    graphiql: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${yoga.graphqlEndpoint}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
