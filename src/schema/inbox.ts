/** Read state, archive and delete, and the live stream of every inbox change. */
import { INBOX_ACTIONS, type InboxAction, type InboxEvent } from '../notifications/ports.js';
import { inboxOwner, ownInbox, spendInboxAllowance } from './acting-for.js';
import { builder } from './builder.js';
import { upperCaseValues } from './enum-values.js';
import { NotificationRef } from './notification.js';

const ACTION_NOTES: Partial<Record<InboxAction, string>> = {
  resync:
    "Not a change: the server's live path was interrupted (Redis away) and may have lost changes; unreadCount is current. Read the page again. notificationAdded catches up by itself.",
};

const InboxActionRef = builder.enumType('InboxAction', { values: upperCaseValues<InboxAction>(INBOX_ACTIONS, ACTION_NOTES) });

const InboxChangeRef = builder.objectRef<InboxEvent>('InboxChange').implement({
  description: "A change to one user's inbox, as a mutation's answer and as a live push.",
  fields: (t) => ({
    userId: t.exposeID('userId'),
    action: t.expose('action', { type: InboxActionRef }),
    ids: t.exposeIDList('ids', { description: 'The notifications concerned; empty for ALL_READ.' }),
    notifications: t.expose('notifications', {
      type: [NotificationRef],
      description: 'Those notifications as they are now; empty for DELETED and ALL_READ.',
    }),
    unreadCount: t.int({
      description:
        'The absolute unread count, read from the store after the change: never a delta to add up, and the last push always carries the latest count.',
      resolve: (change, _args, ctx) => ctx.inbox.unreadCountAfter(change),
    }),
  }),
});

const idsArgs = (t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) => ({
  userId: t.arg.id({ description: "The owner of the notifications (default: the caller); ids of anyone else's are rejected." }),
  ids: t.arg.idList({ required: true }),
});

builder.mutationFields((t) => ({
  markNotificationsRead: t.field({
    type: InboxChangeRef,
    args: idsArgs(t),
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.inbox.markRead(inboxOwner(ctx.caller, args.userId), args.ids.map(String));
    },
  }),
  markNotificationsUnread: t.field({
    type: InboxChangeRef,
    args: idsArgs(t),
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.inbox.markUnread(inboxOwner(ctx.caller, args.userId), args.ids.map(String));
    },
  }),
  markAllNotificationsRead: t.field({
    type: InboxChangeRef,
    args: { userId: t.arg.id({ description: "Default: the caller's own." }) },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.inbox.markAllRead(inboxOwner(ctx.caller, args.userId));
    },
  }),
  archiveNotifications: t.field({
    type: InboxChangeRef,
    description: 'Archived notifications leave the default inbox view and the unread count; filter by ARCHIVED to see them.',
    args: idsArgs(t),
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.inbox.archive(inboxOwner(ctx.caller, args.userId), args.ids.map(String));
    },
  }),
  deleteNotifications: t.field({
    type: InboxChangeRef,
    args: idsArgs(t),
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.inbox.delete(inboxOwner(ctx.caller, args.userId), args.ids.map(String));
    },
  }),
}));

builder.subscriptionFields((t) => ({
  notificationsChanged: t.field({
    type: InboxChangeRef,
    description: "Every change to the user's inbox, live: added, read, unread, archived, deleted, each with the unread count after it.",
    args: { userId: t.arg.id({ description: "Default: the caller's own." }) },
    authScopes: (_root, args) => ownInbox(args.userId),
    subscribe: (_root, args, ctx) => ctx.live.changes(inboxOwner(ctx.caller, args.userId)),
    resolve: (change) => change,
  }),
}));
