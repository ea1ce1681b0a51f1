/** A notification as the API shows it (sent, or in an inbox), the inbox query and its live feed. */
import { encodeCursor } from '../notifications/cursor.js';
import {
  NOTIFICATION_STATUSES,
  type NewNotification,
  type Notification,
  type NotificationStatus,
} from '../notifications/notification.js';
import { inboxOf, ownInbox, WORKSPACE_ARG } from './acting-for.js';
import { builder } from './builder.js';
import { upperCaseValues } from './enum-values.js';
import { NotificationKindRef } from './scalars.js';
import { selectsField } from './selection.js';
import { senderSeenBy, UserRef } from './user.js';

// A registered kind's name (scalars.ts): the type files that name kinds import it from here.
export { NotificationKindRef };

export const NotificationStatusRef = builder.enumType('NotificationStatus', {
  description: 'One of each: ARCHIVED, else SNOOZED (whatever its read state), else READ, else UNREAD.',
  values: upperCaseValues<NotificationStatus>(NOTIFICATION_STATUSES, {
    snoozed: 'Out of the default view and the counts until snoozedUntil, then back as it was.',
  }),
});

export const NotificationContentRef = builder.interfaceRef<NewNotification>('NotificationContent').implement({
  description: 'What a notification says, whether it is just sent or already in an inbox.',
  resolveType: (value) => ('seq' in value ? 'Notification' : 'SentNotification'),
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.expose('kind', { type: NotificationKindRef }),
    senderId: t.exposeID('senderId', { nullable: true, description: 'Null for SYSTEM notifications.' }),
    sender: t.field({
      type: UserRef,
      nullable: true,
      resolve: async (n, _args, ctx) => (n.senderId === null ? null : senderSeenBy(await ctx.users.load(n.senderId), n.recipientId)),
    }),
    recipientId: t.exposeID('recipientId'),
    recipient: t.field({
      type: UserRef,
      // Null only if the recipient was removed after the notification was stored.
      nullable: true,
      resolve: (n, _args, ctx) => ctx.users.load(n.recipientId),
    }),
    message: t.exposeString('message'),
    link: t.exposeString('link', { nullable: true }),
    data: t.expose('data', { type: 'JSON', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    workspaceId: t.id({
      nullable: true,
      description: 'The workspace (tenant) it was sent within, whose inbox holds it; null outside any.',
      resolve: (n) => n.workspaceId ?? null,
    }),
  }),
});

export const SentNotificationRef = builder.objectRef<NewNotification>('SentNotification').implement({
  description: 'A notification Kafka has acknowledged. It reaches the inbox and the live feeds moments later.',
  interfaces: [NotificationContentRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && !('seq' in value),
});

export const NotificationRef = builder.objectRef<Notification>('Notification').implement({
  description: "A notification in its recipient's inbox.",
  interfaces: [NotificationContentRef],
  isTypeOf: (value) => typeof value === 'object' && value !== null && 'seq' in value,
  fields: (t) => ({
    seq: t.exposeInt('seq', { description: "Position in the recipient's inbox: grows with each notification stored." }),
    cursor: t.string({
      description: 'Pass as `after` to notificationAdded to resume a live feed from here.',
      resolve: (n) => encodeCursor(n.seq),
    }),
    seenAt: t.expose('seenAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When the feed first showed it, or it was read or archived, whichever came first; null while unseen.',
    }),
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    snoozedUntil: t.expose('snoozedUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'While snoozed: when it comes back into the default view and the counts; null otherwise.',
    }),
    status: t.field({
      type: NotificationStatusRef,
      resolve: (n) => (n.archivedAt ? 'archived' : n.snoozedUntil ? 'snoozed' : n.readAt ? 'read' : 'unread'),
    }),
  }),
});

const NotificationFilterRef = builder.inputType('NotificationFilter', {
  fields: (t) => ({
    status: t.field({
      type: [NotificationStatusRef],
      required: false,
      description: 'Default: UNREAD and READ (archived and snoozed ones are hidden unless asked for).',
    }),
    kind: t.field({ type: [NotificationKindRef], required: false }),
  }),
});

builder.queryFields((t) => ({
  // Relay's connection types from the plugin; the paging itself stays our keyset SQL on seq.
  notifications: t.connection(
    {
      type: NotificationRef,
      description: "A user's inbox, newest first. Page with first/after (older) or last/before (newer).",
      args: {
        userId: t.arg.id({ description: "Default: the caller's own. A user token may name only itself." }),
        workspaceId: t.arg.id({ description: WORKSPACE_ARG }),
        filter: t.arg({ type: NotificationFilterRef }),
      },
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx, info) => {
        const page = await ctx.inbox.list(inboxOf(ctx.caller, args), {
          countTotal: selectsField(info, 'totalCount'),
          first: args.first,
          after: args.after,
          last: args.last,
          before: args.before,
          filter: args.filter ? { ...(args.filter.status && { status: args.filter.status }), ...(args.filter.kind && { kind: args.filter.kind }) } : null,
        });
        const edges = page.items.map((node) => ({ cursor: encodeCursor(node.seq), node }));
        return {
          edges,
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: page.hasPreviousPage,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges.at(-1)?.cursor ?? null,
          },
          totalCount: page.totalCount,
          liveCursor: encodeCursor(page.lastSeq),
        };
      },
    },
    {
      name: 'NotificationConnection',
      description: 'A page of an inbox, newest first. Cursors stay valid while new notifications arrive.',
      fields: (tc) => ({
        totalCount: tc.int({
          description: 'Matching the filter, across all pages. Counted only when selected.',
          // The resolver counts whenever this field is in the selection; 0 cannot be reached.
          resolve: (connection) => connection.totalCount ?? 0,
        }),
        liveCursor: tc.string({
          description:
            'Pass as `after` to notificationAdded to receive everything stored after this page was read, with no gap, whatever the filter: the inbox position at the time of the read, valid even when the page is empty.',
          resolve: (connection) => connection.liveCursor,
        }),
      }),
    },
    { name: 'NotificationEdge' },
  ),
  unreadCount: t.int({
    description: 'Neither read nor archived: what the feed shows as unread.',
    args: { userId: t.arg.id({ description: "Default: the caller's own." }), workspaceId: t.arg.id({ description: WORKSPACE_ARG }) },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: (_root, args, ctx) => ctx.inbox.unreadCount(inboxOf(ctx.caller, args)),
  }),
  unseenCount: t.int({
    description: "Neither seen, read nor archived: the bell's badge. markAllNotificationsSeen (opening the bell) takes it to 0.",
    args: { userId: t.arg.id({ description: "Default: the caller's own." }), workspaceId: t.arg.id({ description: WORKSPACE_ARG }) },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => (await ctx.inbox.counts(inboxOf(ctx.caller, args))).unseen,
  }),
}));

builder.subscriptionFields((t) => ({
  notificationAdded: t.field({
    type: NotificationRef,
    description: "Each notification stored in the user's inbox, live. With `after` (a cursor), first every stored one after it, in order, then live: no gap, no duplicate.",
    args: { userId: t.arg.id({ description: "Default: the caller's own." }), workspaceId: t.arg.id({ description: WORKSPACE_ARG }), after: t.arg.string() },
    authScopes: (_root, args) => ownInbox(args.userId),
    subscribe: (_root, args, ctx) => ctx.live.added(inboxOf(ctx.caller, args), args.after),
    resolve: (notification) => notification,
  }),
}));
