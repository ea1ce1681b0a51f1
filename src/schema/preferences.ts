/**
 * A user's preferences per kind (mute, delivery) and time zone: the user's own by default, any
 * user's for an admin service, as with an inbox (acting-for.ts).
 */
import { DELIVERIES, type Delivery, type KindPreference, type Preferences } from '../notifications/preferences.js';
import { inboxOwner, ownInbox, spendInboxAllowance } from './acting-for.js';
import { builder } from './builder.js';
import { upperCaseValues } from './enum-values.js';
import { NotificationKindRef } from './notification.js';

export const DeliveryRef = builder.enumType('Delivery', {
  description: 'How a kind reaches the user: one by one, or kept for one summary notification per period ("5 new comments", its items in `data.digest`). A critical kind is always immediate.',
  values: upperCaseValues<Delivery>(DELIVERIES, {
    immediate: 'Each notification as it comes.',
    hourly_digest: 'One summary an hour, at the top of the UTC hour.',
    daily_digest: "One summary a day, at midnight in the user's time zone (the one set when the day's first notification came).",
  }),
});

const KindPreferenceRef = builder.objectRef<KindPreference>('KindPreference').implement({
  description: "One kind's preference: the user's choice where they made one, the kind's default otherwise.",
  fields: (t) => ({
    kind: t.field({ type: NotificationKindRef, resolve: (p) => p.kind }),
    inApp: t.exposeBoolean('inApp', { description: 'False: muted; notifications of this kind are not stored for the user, nor pushed. Always true for a critical kind.' }),
    delivery: t.field({ type: DeliveryRef, resolve: (p) => p.delivery }),
    critical: t.exposeBoolean('critical', { description: 'A critical kind cannot be muted.' }),
  }),
});

const PreferencesRef = builder.objectRef<Preferences>('Preferences').implement({
  fields: (t) => ({
    timeZone: t.exposeString('timeZone', { description: 'An IANA time zone name, for daily digests; UTC until set.' }),
    kinds: t.field({ type: [KindPreferenceRef], description: 'Every kind, in a fixed order.', resolve: (p) => p.kinds }),
  }),
});

const KindPreferenceInputRef = builder.inputType('KindPreferenceInput', {
  fields: (t) => ({
    kind: t.field({ type: NotificationKindRef, required: true }),
    inApp: t.boolean({ description: 'Left as it is when absent. False mutes the kind; refused for a critical kind.' }),
    delivery: t.field({ type: DeliveryRef, description: 'Left as it is when absent.' }),
  }),
});

const PreferencesInputRef = builder.inputType('PreferencesInput', {
  fields: (t) => ({
    timeZone: t.string({ description: 'An IANA name such as Europe/Paris; left as it is when absent.' }),
    kinds: t.field({ type: [KindPreferenceInputRef], description: 'Only the kinds to change, each at most once.' }),
  }),
});

const userIdArg = (t: Parameters<Parameters<typeof builder.queryFields>[0]>[0]) =>
  t.arg.id({ description: "Whose preferences (default: the caller's own); anyone else's needs an admin service token." });

builder.queryFields((t) => ({
  preferences: t.field({
    type: PreferencesRef,
    args: { userId: userIdArg(t) },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: (_root, args, ctx) => ctx.preferences.get(inboxOwner(ctx.caller, args.userId)),
  }),
}));

builder.mutationFields((t) => ({
  setPreferences: t.field({
    type: PreferencesRef,
    description: 'Changes what the input names and leaves the rest; answers every kind as it now is.',
    args: {
      userId: t.arg.id({ description: "Whose preferences (default: the caller's own); anyone else's needs an admin service token." }),
      input: t.arg({ type: PreferencesInputRef, required: true }),
    },
    authScopes: (_root, args) => ownInbox(args.userId),
    resolve: async (_root, args, ctx) => {
      await spendInboxAllowance(ctx);
      return ctx.preferences.set(inboxOwner(ctx.caller, args.userId), args.input);
    },
  }),
}));
