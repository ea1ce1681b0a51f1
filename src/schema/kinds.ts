/**
 * Kinds in the API (issue 17): a registered kind and its defaults, the kinds query (any caller)
 * and the registerKind mutation (admin service tokens only). Names travel as the NotificationKind
 * scalar (scalars.ts).
 */
import type { RegisteredKind } from '../notifications/kinds.js';
import { builder } from './builder.js';
import { DeliveryRef } from './preferences.js';
import { NotificationKindRef } from './scalars.js';

const KindRef = builder.objectRef<RegisteredKind>('Kind').implement({
  description: 'A registered kind of notification and its defaults. A user\'s preferences keep only what differs from these, so a changed default reaches everyone who never chose otherwise.',
  fields: (t) => ({
    name: t.field({ type: NotificationKindRef, resolve: (kind) => kind.name }),
    description: t.exposeString('description'),
    defaultDelivery: t.field({ type: DeliveryRef, resolve: (kind) => kind.defaultDelivery }),
    critical: t.exposeBoolean('critical', { description: 'Cannot be muted, and is sent with no sender (the service itself speaks, as with system).' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const RegisterKindInputRef = builder.inputType('RegisterKindInput', {
  fields: (t) => ({
    name: t.string({ required: true, description: 'Lower case, 1-64 letters, digits or _.:- starting with a letter: `invoice.paid`.' }),
    description: t.string({ description: 'What it tells the user (at most 500 characters); empty when absent.' }),
    defaultDelivery: t.field({ type: DeliveryRef, description: 'IMMEDIATE when absent.' }),
    critical: t.boolean({ description: 'False when absent. A critical kind cannot be muted and has no sender.' }),
  }),
});

builder.queryFields((t) => ({
  kinds: t.field({
    type: [KindRef],
    description: 'Every registered kind, in registration order.',
    resolve: (_root, _args, ctx) => ctx.kinds.list(),
  }),
}));

builder.mutationFields((t) => ({
  registerKind: t.field({
    type: KindRef,
    description:
      'Creates a kind, or changes its description and defaults (every user who never chose otherwise gets the new ones). At most 200 kinds. A kind named in KINDS_FILE is set from the file again at the next start. Admin service tokens only.',
    args: { input: t.arg({ type: RegisterKindInputRef, required: true }) },
    authScopes: { admin: true },
    resolve: (_root, { input }, ctx) => ctx.kinds.register(input),
  }),
}));
