/** Sending: the input, a batch's per-item results and errors, and the two send mutations. */
import { describeError } from '../notifications/errors.js';
import { assertBatchSize, SEND_BATCH_MAX, type SendInput, type SendResult } from '../notifications/send.js';
import { sendAuthority, spendSendAllowance } from './acting-for.js';
import { NotificationActionInputRef } from './actions.js';
import { builder } from './builder.js';
import { NotificationKindRef, SentNotificationRef } from './notification.js';

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
    actions: t.field({ type: [NotificationActionInputRef], description: 'Up to two buttons (see pressNotificationAction).' }),
    idempotencyKey: t.string({
      description: 'The same key from the same sender to the same recipient always gives the same notification, stored and pushed once: retry with it safely.',
    }),
    workspaceId: t.id({
      description:
        "The workspace (tenant) it is sent within: it goes to the recipient's inbox there. Default: the token's workspace claim, or outside any workspace. A token with a workspace, and a user token, may name no other.",
    }),
    groupKey: t.string({
      description:
        "Groups it (`post-7:like`): the recipient's unread notifications with the same key show as one feed item (see feed). 1-128 letters, digits or _.:@|/-.",
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
  workspaceId: input.workspaceId === null || input.workspaceId === undefined ? null : String(input.workspaceId),
  actions: input.actions ?? null,
  groupKey: input.groupKey ?? null,
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
