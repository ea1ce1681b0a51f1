/**
 * Action buttons (issue 17): the buttons a notification carries, the one its recipient pressed,
 * the input a sender gives them with, and the mutation that presses one (rules in
 * notifications/actions.ts).
 */
import type { NotificationAction, PressedAction } from '../notifications/notification.js';
import { inboxOf, ownInbox, spendInboxAllowance, WORKSPACE_ARG } from './acting-for.js';
import { builder } from './builder.js';
import { InboxChangeRef } from './inbox.js';
import { NotificationContentRef, NotificationRef } from './notification.js';

const NotificationActionRef = builder.objectRef<NotificationAction>('NotificationAction').implement({
  description: 'A button on a notification: a label, and either a URL to open or a key the app handles (exactly one of the two).',
  fields: (t) => ({
    label: t.exposeString('label'),
    url: t.exposeString('url', { nullable: true, description: 'What pressing it opens: an http(s) URL or a path starting with /, as `link` is.' }),
    key: t.exposeString('key', { nullable: true, description: 'What pressing it tells the app (`approve`): the app acts on it.' }),
  }),
});

const PressedActionRef = builder.objectRef<PressedAction & { actions: readonly NotificationAction[] }>('PressedAction').implement({
  description: 'Which button was pressed, and when.',
  fields: (t) => ({
    index: t.exposeInt('index', { description: 'Its position in `actions`, from 0.' }),
    at: t.expose('at', { type: 'DateTime' }),
    action: t.field({
      type: NotificationActionRef,
      description: 'The button itself.',
      // A stored press always names one of its row's buttons (the store checks it).
      resolve: (pressed) => pressed.actions[pressed.index]!,
    }),
  }),
});

export const NotificationActionInputRef = builder.inputType('NotificationActionInput', {
  description: 'A button: a label (1-40 characters) and exactly one of url and key.',
  fields: (t) => ({
    label: t.string({ required: true }),
    url: t.string({ description: 'An http(s) URL or a path starting with /, as `link`.' }),
    key: t.string({ description: 'What the app is told when it is pressed: 1-64 letters, digits or _.:- (`approve`, `invite.accept`).' }),
  }),
});

builder.interfaceField(NotificationContentRef, 'actions', (t) =>
  t.field({
    type: [NotificationActionRef],
    description: 'Up to two buttons; empty when it has none.',
    resolve: (n) => n.actions ?? [],
  }),
);

builder.objectField(NotificationRef, 'pressedAction', (t) =>
  t.field({
    type: PressedActionRef,
    nullable: true,
    description: 'Which button its recipient pressed, and when; null until one is. The first press is the one on record.',
    resolve: (n) => (n.pressedAction === null ? null : { ...n.pressedAction, actions: n.actions }),
  }),
);

builder.mutationField('pressNotificationAction', (t) =>
  t.field({
    type: InboxChangeRef,
    description:
      'Presses one of a notification\'s buttons: which one is recorded on it (pressedAction, pushed to every tab as ACTION_PRESSED), and it is read (so seen) too. The first press wins: the same button again answers as before; another one is refused with ACTION_ALREADY_PRESSED.',
    args: {
      userId: t.arg.id({ description: "The owner of the notification (default: the caller); another's is NOTIFICATION_NOT_FOUND." }),
      workspaceId: t.arg.id({ description: `${WORKSPACE_ARG} A notification of another workspace's inbox is NOTIFICATION_NOT_FOUND.` }),
      notificationId: t.arg.id({ required: true }),
      action: t.arg.int({ required: true, description: "The button's index in `actions`, from 0." }),
    },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.inbox.pressAction(inboxOf(ctx.caller, args), String(args.notificationId), args.action);
    },
  }),
);
