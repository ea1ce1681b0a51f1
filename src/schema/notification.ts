import { encodeCursor } from '../notifications/cursor.js';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NewNotification,
  type Notification,
  type NotificationKind,
  type NotificationStatus,
} from '../notifications/notification.js';
import type { NotifyError } from '../notifications/errors.js';
import { assertBatchSize, SEND_BATCH_MAX, type SendInput, type SendResult } from '../notifications/send.js';
import { inboxOwner, ownInbox, sendAuthority, spendSendAllowance } from './acting-for.js';
import { builder } from './builder.js';
import { selectsField } from './selection.js';
import { senderSeenBy, UserRef } from './user.js';

const upper = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<Uppercase<T>, { value: T }>;

export const NotificationKindRef = builder.enumType('NotificationKind', {
  description: 'What happened. New kinds are added over time: clients should tolerate unknown values.',
  values: upper<NotificationKind>(NOTIFICATION_KINDS),
});

export const NotificationStatusRef = builder.enumType('NotificationStatus', {
  values: upper<NotificationStatus>(NOTIFICATION_STATUSES),
});

const NotificationContentRef = builder.interfaceRef<NewNotification>('NotificationContent').implement({
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
    readAt: t.expose('readAt', { type: 'DateTime', nullable: true }),
    archivedAt: t.expose('archivedAt', { type: 'DateTime', nullable: true }),
    status: t.field({
      type: NotificationStatusRef,
      resolve: (n) => (n.archivedAt ? 'archived' : n.readAt ? 'read' : 'unread'),
    }),
  }),
});

const NotificationFilterRef = builder.inputType('NotificationFilter', {
  fields: (t) => ({
    status: t.field({
      type: [NotificationStatusRef],
      required: false,
      description: 'Default: UNREAD and READ (archived ones are hidden unless asked for).',
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
        filter: t.arg({ type: NotificationFilterRef }),
      },
      authScopes: (_root, args) => ownInbox(args.userId),
      resolve: async (_root, args, ctx, info) => {
        const page = await ctx.inbox.list(inboxOwner(ctx.caller, args.userId), {
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
    args: { userId: t.arg.id({ description: "Default: the caller's own." }) },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: (_root, args, ctx) => ctx.inbox.unreadCount(inboxOwner(ctx.caller, args.userId)),
  }),
}));

const SendNotificationInputRef = builder.inputType('SendNotificationInput', {
  fields: (t) => ({
    senderId: t.id({
      description:
        "Who caused it. A user token always sends as its own user (leave this out). A service token names the sender, or leaves it out for kind SYSTEM.",
    }),
    recipientId: t.id({ required: true }),
    kind: t.field({ type: NotificationKindRef, required: true }),
    message: t.string({ required: true }),
    link: t.string({ description: 'Where the notification leads: an http(s) URL or a path starting with /.' }),
    data: t.field({ type: 'JSON', description: 'Anything the client needs to render it (at most 16 KiB as JSON).' }),
    idempotencyKey: t.string({
      description: 'The same key from the same sender to the same recipient always gives the same notification, stored and pushed once: retry with it safely.',
    }),
  }),
});

type SendInputArg = typeof SendNotificationInputRef.$inferInput;

const toSendInput = (input: SendInputArg): SendInput => ({
  senderId: input.senderId === null || input.senderId === undefined ? null : String(input.senderId),
  recipientId: String(input.recipientId),
  kind: input.kind,
  message: input.message,
  link: input.link ?? null,
  data: input.data ?? null,
  idempotencyKey: input.idempotencyKey ?? null,
});

// A plain object, not the Error itself: a resolver that returns an Error raises it.
const SendErrorRef = builder.objectRef<{ code: string; message: string; field: string | null }>('SendError').implement({
  description: 'Why one notification of a batch was not sent.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'BAD_USER_INPUT, FORBIDDEN, USER_NOT_FOUND or KAFKA_UNAVAILABLE.' }),
    message: t.exposeString('message'),
    field: t.exposeString('field', { nullable: true, description: 'The input field at fault, when there is one.' }),
  }),
});

const describeError = (error: NotifyError) => ({
  code: error.code,
  message: error.message,
  field: typeof error.details.field === 'string' ? error.details.field : null,
});

const SendResultRef = builder.objectRef<SendResult & { index: number }>('SendNotificationResult').implement({
  description: 'The outcome of one input of sendNotifications: a notification or an error, never both.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Position of the input this answers.' }),
    notification: t.field({ type: SentNotificationRef, nullable: true, resolve: (r) => (r.ok ? r.notification : null) }),
    error: t.field({ type: SendErrorRef, nullable: true, resolve: (r) => (r.ok ? null : describeError(r.error)) }),
  }),
});

builder.mutationFields((t) => ({
  sendNotification: t.field({
    type: SentNotificationRef,
    description: 'Writes a notification to Kafka and answers once the broker acknowledged it.',
    args: { input: t.arg({ type: SendNotificationInputRef, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await spendSendAllowance(ctx, 1);
      return ctx.sender.sendOne(toSendInput(input), sendAuthority(ctx.caller));
    },
  }),
  sendNotifications: t.field({
    type: [SendResultRef],
    description: `Sends up to ${SEND_BATCH_MAX} notifications in one produce round-trip. Each input gets a result; a bad one fails alone.`,
    args: { inputs: t.arg({ type: [SendNotificationInputRef], required: true }) },
    resolve: async (_root, { inputs }, ctx) => {
      // Before spending the allowance: an oversized call costs nothing.
      assertBatchSize(inputs.length);
      await spendSendAllowance(ctx, inputs.length);
      return (await ctx.sender.sendMany(inputs.map(toSendInput), sendAuthority(ctx.caller))).map((result, index) => ({ ...result, index }));
    },
  }),
}));

builder.subscriptionFields((t) => ({
  notificationAdded: t.field({
    type: NotificationRef,
    description: "Each notification stored in the user's inbox, live. With `after` (a cursor), first every stored one after it, in order, then live: no gap, no duplicate.",
    args: { userId: t.arg.id({ description: "Default: the caller's own." }), after: t.arg.string() },
    authScopes: (_root, args) => ownInbox(args.userId),
    subscribe: (_root, args, ctx) => ctx.live.added(inboxOwner(ctx.caller, args.userId), args.after),
    resolve: (notification) => notification,
  }),
}));
