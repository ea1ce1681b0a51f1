import { assertUserId } from '../notifications/validation.js';
import { ownInbox } from './acting-for.js';
import { builder } from './builder.js';
import type { User } from '../notifications/notification.js';

export const UserRef = builder.objectRef<User>('User').implement({
  description: 'Someone who sends or receives notifications.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
  }),
});

builder.queryFields((t) => ({
  me: t.field({
    type: UserRef,
    nullable: true,
    description: "The caller's own user, for a user token; null for a service token, or a user the store does not know yet.",
    resolve: (_root, _args, ctx) => (ctx.caller.kind === 'user' ? ctx.users.load(ctx.caller.userId) : null),
  }),
  users: t.field({
    type: [UserRef],
    description: 'Every user, by id. Admin service tokens only.',
    authScopes: { admin: true },
    resolve: (_root, _args, ctx) => ctx.inbox.listUsers(),
  }),
  user: t.field({
    type: UserRef,
    nullable: true,
    description: "A user token may look up itself only; an admin service token anyone.",
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => ownInbox(args.id),
    resolve: (_root, args, ctx) => ctx.users.load(assertUserId(String(args.id), 'id')),
  }),
}));

builder.mutationFields((t) => ({
  upsertUser: t.field({
    type: UserRef,
    description: 'Creates a user, or renames one. Your users live in your own system: call this when they join or change their name. Admin service tokens only.',
    args: { id: t.arg.id({ required: true }), name: t.arg.string({ required: true }) },
    authScopes: { admin: true },
    resolve: (_root, args, ctx) => ctx.inbox.upsertUser(String(args.id), args.name),
  }),
}));
