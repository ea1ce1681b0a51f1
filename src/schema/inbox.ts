/** Seen and read state, archive and delete, and the live stream of every inbox change. */
import { INBOX_ACTIONS, type InboxAction, type InboxEvent } from '../notifications/ports.js';
import { inboxOf, ownInbox, spendInboxAllowance, WORKSPACE_ARG } from './acting-for.js';
import type { InboxKey } from '../notifications/inbox-key.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { upperCaseValues } from './enum-values.js';
import { NotificationRef } from './notification.js';

const ACTION_NOTES: Partial<Record<InboxAction, string>> = {
  resync:
    "Not a change: the server's live path was interrupted (Redis away) and may have lost changes; unreadCount and unseenCount are current. Read the page again. notificationAdded catches up by itself.",
  all_seen: 'Every unseen notification was marked seen (the bell was opened); ids and notifications are empty.',
  snoozed: 'Snoozed: out of the feed and its counts until their snoozedUntil (status SNOOZED).',
  action_pressed: 'One of its buttons was pressed (pressNotificationAction): pressedAction says which; it is read too.',
  unsnoozed: 'Back from a snooze, into the feed and its counts: unsnoozed, or woken at their time (within SNOOZE_INTERVAL_MS at worst).',
};

const InboxActionRef = builder.enumType('InboxAction', { values: upperCaseValues<InboxAction>(INBOX_ACTIONS, ACTION_NOTES) });

export const InboxChangeRef = builder.objectRef<InboxEvent>('InboxChange').implement({
  description: "A change to one user's inbox, as a mutation's answer and as a live push.",
  fields: (t) => ({
    userId: t.exposeID('userId'),
    workspaceId: t.id({ nullable: true, description: 'The workspace of the inbox that changed; null outside any.', resolve: (change) => change.workspaceId ?? null }),
    action: t.expose('action', { type: InboxActionRef }),
    ids: t.exposeIDList('ids', { description: 'The notifications concerned; empty for ALL_READ and ALL_SEEN.' }),
    notifications: t.expose('notifications', {
      type: [NotificationRef],
      description: 'Those notifications as they are now; empty for DELETED, ALL_READ and ALL_SEEN.',
    }),
    unreadCount: t.int({
      description:
        'The absolute unread count (what the feed shows), read from the store after the change: never a delta to add up, and the last push always carries the latest count.',
      resolve: async (change, _args, ctx) => (await ctx.inbox.countsAfter(change)).unread,
    }),
    unseenCount: t.int({
      description:
        "The absolute unseen count (the bell's badge), read with unreadCount after the change: every push carries both, so every tab agrees on both.",
      resolve: async (change, _args, ctx) => (await ctx.inbox.countsAfter(change)).unseen,
    }),
  }),
});

const idsArgs = (t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) => ({
  userId: t.arg.id({ description: "The owner of the notifications (default: the caller); ids of anyone else's are rejected." }),
  workspaceId: t.arg.id({ description: `${WORKSPACE_ARG} Ids of another workspace's inbox are rejected as another user's are.` }),
  ids: t.arg.idList({ required: true }),
});

builder.mutationFields((t) => {
  /** A change to named notifications of one inbox: its owner's or an admin's, spending one inbox change of the caller's allowance. */
  const idsChange = (change: (inbox: Context['inbox'], owner: InboxKey, ids: string[]) => Promise<InboxEvent>, description?: string) =>
    t.field({
      type: InboxChangeRef,
      ...(description !== undefined && { description }),
      args: idsArgs(t),
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx) => {
        await spendInboxAllowance(ctx);
        return change(ctx.inbox, inboxOf(ctx.caller, args), args.ids.map(String));
      },
    });
  return {
    markNotificationsRead: idsChange((inbox, owner, ids) => inbox.markRead(owner, ids)),
    markNotificationsUnread: idsChange((inbox, owner, ids) => inbox.markUnread(owner, ids)),
    markAllNotificationsRead: t.field({
      type: InboxChangeRef,
      args: { userId: t.arg.id({ description: "Default: the caller's own." }), workspaceId: t.arg.id({ description: WORKSPACE_ARG }) },
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx) => {
        await spendInboxAllowance(ctx);
        return ctx.inbox.markAllRead(inboxOf(ctx.caller, args));
      },
    }),
    markNotificationsSeen: idsChange((inbox, owner, ids) => inbox.markSeen(owner, ids), 'Seen: the feed showed them. Only unseen ones change; read and archived ones are seen already.'),
    markAllNotificationsSeen: t.field({
      type: InboxChangeRef,
      description: 'What opening the bell does: unseenCount drops to 0, unreadCount stays.',
      args: { userId: t.arg.id({ description: "Default: the caller's own." }), workspaceId: t.arg.id({ description: WORKSPACE_ARG }) },
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx) => {
        await spendInboxAllowance(ctx);
        return ctx.inbox.markAllSeen(inboxOf(ctx.caller, args));
      },
    }),
    archiveNotifications: idsChange((inbox, owner, ids) => inbox.archive(owner, ids), 'Archived notifications leave the default inbox view and the unread count; filter by ARCHIVED to see them.'),
    unarchiveNotifications: idsChange((inbox, owner, ids) => inbox.unarchive(owner, ids), 'Back into the default inbox view, with the read state they had; they stay seen.'),
    snoozeNotifications: t.field({
      type: InboxChangeRef,
      description:
        'Out of the default view, the unread and the unseen counts until `until` (status SNOOZED), then back, live, as they were (read or unread, seen or not). A snoozed one gets the new time; an archived one stays archived.',
      args: {
        ...idsArgs(t),
        until: t.arg({ type: 'DateTime', required: true, description: 'In the future, at most one year ahead.' }),
      },
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx) => {
        await spendInboxAllowance(ctx);
        return ctx.inbox.snooze(inboxOf(ctx.caller, args), args.ids.map(String), args.until);
      },
    }),
    unsnoozeNotifications: idsChange((inbox, owner, ids) => inbox.unsnooze(owner, ids), 'Back from a snooze now, into the default view and the counts.'),
    deleteNotifications: idsChange((inbox, owner, ids) => inbox.delete(owner, ids)),
  };
});

builder.subscriptionFields((t) => ({
  notificationsChanged: t.field({
    type: InboxChangeRef,
    description:
      "Every change to the user's inbox, live: added, seen, read, unread, archived, unarchived, snoozed, unsnoozed (a snooze that woke included), deleted, each with the unread and unseen counts after it.",
    args: { userId: t.arg.id({ description: "Default: the caller's own." }), workspaceId: t.arg.id({ description: WORKSPACE_ARG }) },
    authScopes: (_root, args) => ownInbox(args.userId),
    subscribe: (_root, args, ctx) => ctx.live.changes(inboxOf(ctx.caller, args)),
    resolve: (change) => change,
  }),
}));
