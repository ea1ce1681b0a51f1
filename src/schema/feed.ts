/**
 * Grouping (issue 17): a notification's group key, the feed of items ("Emma and 4 others liked
 * your post"), the item a notification shows in (so each live push carries its item as it now is),
 * and opening an item. The rules are in notifications/feed.ts and the store's feed.ts.
 */
import { encodeCursor } from '../notifications/cursor.js';
import { badInput } from '../notifications/errors.js';
import { encodeFeedItemId, itemSeqOf, type FeedItem } from '../notifications/feed-item.js';
import type { User } from '../notifications/notification.js';
import { inboxOf, ownInbox, spendInboxAllowance, WORKSPACE_ARG } from './acting-for.js';
import { builder } from './builder.js';
import { InboxChangeRef } from './inbox.js';
import { NotificationContentRef, NotificationRef, NotificationStatusRef } from './notification.js';
import { senderSeenBy, UserRef } from './user.js';

export const FeedItemRef = builder.objectRef<FeedItem>('FeedItem').implement({
  description:
    "One item of a user's feed: a notification sent without a group key, or the notifications sent with one key (`post-7:like`) while the group had unread ones, as one item: \"Emma and 4 others liked your post\". Once every one is read, the next with that key starts a new item.",
  fields: (t) => ({
    id: t.id({
      description: 'Stable while the item exists; pass it to markFeedItemRead.',
      resolve: (item) => encodeFeedItemId({ userId: item.recipientId, workspaceId: item.latest.workspaceId ?? null }, item.itemSeq),
    }),
    groupKey: t.exposeString('groupKey', { nullable: true, description: 'Null for a notification sent without one (an item of its own).' }),
    count: t.exposeInt('count', { description: 'Its notifications in the view asked for (default: unread and read).' }),
    unreadCount: t.exposeInt('unreadCount', { description: 'Of those, the unread ones.' }),
    actorCount: t.exposeInt('actorCount', { description: 'Distinct senders among them: "Emma and {actorCount - 1} others".' }),
    actors: t.field({
      type: [UserRef],
      description: 'The latest distinct senders, newest first, at most 3.',
      resolve: async (item, _args, ctx) => {
        const users = await ctx.users.loadMany(item.actorIds);
        return users.flatMap((user) => (user && !(user instanceof Error) ? [senderSeenBy(user as User, item.recipientId)!] : []));
      },
    }),
    latest: t.field({ type: NotificationRef, description: 'Its newest notification in the view: its place in the feed.', resolve: (item) => item.latest }),
    cursor: t.string({ description: 'Pass as `after` to feed for the items older than this one.', resolve: (item) => encodeCursor(item.latest.seq) }),
    createdAt: t.field({ type: 'DateTime', description: 'When its first notification was sent.', resolve: (item) => item.firstCreatedAt }),
    updatedAt: t.field({ type: 'DateTime', description: 'When its newest notification was sent.', resolve: (item) => item.latest.createdAt }),
  }),
});

builder.interfaceField(NotificationContentRef, 'groupKey', (t) =>
  t.string({
    nullable: true,
    description: "What it groups under (`post-7:like`): the recipient's unread notifications with the same key are one feed item. Null: an item of its own.",
    resolve: (n) => n.groupKey ?? null,
  }),
);

builder.objectField(NotificationRef, 'feedItem', (t) =>
  t.field({
    type: FeedItemRef,
    nullable: true,
    description:
      'The feed item it shows in, as it is now (read when this is resolved: on a live push, after that notification was stored), so a push updates the item in place; null when the default view shows none of the item (archived, snoozed or deleted).',
    resolve: (n, _args, ctx) => ctx.feed.item({ userId: n.recipientId, workspaceId: n.workspaceId ?? null }, itemSeqOf(n)),
  }),
);

const FeedFilterRef = builder.inputType('FeedFilter', {
  fields: (t) => ({
    status: t.field({
      type: [NotificationStatusRef],
      required: false,
      description: "Which of an item's notifications count. Default: UNREAD and READ.",
    }),
  }),
});

builder.queryFields((t) => ({
  feed: t.connection(
    {
      type: FeedItemRef,
      description:
        "A user's feed, newest item first (by each item's newest notification), a group key's notifications as one item. Page with first/after: a keyset on that newest notification, so no item is skipped or repeated. An item that gains a notification while you page moves to the top: notificationAdded's feedItem brings it, from liveCursor.",
      args: {
        userId: t.arg.id({ description: "Default: the caller's own. A user token may name only itself." }),
        workspaceId: t.arg.id({ description: WORKSPACE_ARG }),
        filter: t.arg({ type: FeedFilterRef }),
      },
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx) => {
        if (args.last !== null && args.last !== undefined) throw badInput('the feed pages with first and after only', 'last');
        if (args.before !== null && args.before !== undefined) throw badInput('the feed pages with first and after only', 'before');
        const page = await ctx.feed.list(inboxOf(ctx.caller, args), {
          first: args.first,
          after: args.after,
          filter: args.filter?.status ? { status: args.filter.status } : null,
        });
        const edges = page.items.map((node) => ({ cursor: encodeCursor(node.latest.seq), node }));
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: false, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
          liveCursor: encodeCursor(page.lastSeq),
        };
      },
    },
    {
      name: 'FeedItemConnection',
      description: 'A page of the feed, newest item first.',
      fields: (tc) => ({
        liveCursor: tc.string({
          description: 'Pass as `after` to notificationAdded to receive, with each notification stored after this page was read, its feedItem as it then is: no gap.',
          resolve: (connection) => connection.liveCursor,
        }),
      }),
    },
    { name: 'FeedItemEdge' },
  ),
}));

builder.mutationFields((t) => ({
  markFeedItemRead: t.field({
    type: InboxChangeRef,
    description:
      'Opening an item: every unread notification of it read, in one change (READ, with those notifications and the absolute counts, pushed to every tab by notificationsChanged). A snoozed or archived one is left as it is.',
    args: {
      userId: t.arg.id({ description: "The owner of the item (default: the caller); an item of anyone else's is NOTIFICATION_NOT_FOUND." }),
      workspaceId: t.arg.id({ description: `${WORKSPACE_ARG} An item of another workspace's inbox is NOTIFICATION_NOT_FOUND.` }),
      id: t.arg.id({ required: true, description: 'A FeedItem id.' }),
    },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.feed.markItemRead(inboxOf(ctx.caller, args), String(args.id));
    },
  }),
}));
