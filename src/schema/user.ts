/**
 * Users: the caller's own, any one for an admin, and who may read a user's name. A name is told
 * only where `user(id)` would tell it (to the user themself and to admin service tokens), and to
 * the recipient of a notification that user sent: a sender never learns a recipient's name
 * (issue 15, §3.2).
 */
import { isAdmin, type Caller } from '../auth/caller.js';
import { NotifyError } from '../notifications/errors.js';
import { assertUserId } from '../notifications/validation.js';
import { ownInbox } from './acting-for.js';
import { builder } from './builder.js';
import type { User } from '../notifications/notification.js';

/** A user as a field found them: the sender of a notification also shows its name to that notification's recipient. */
export type UserSeen = User & { nameShownTo?: string };

/** The sender of a notification, as its recipient may see them. */
export const senderSeenBy = (sender: User | null, recipientId: string): UserSeen | null => sender && { ...sender, nameShownTo: recipientId };

const mayReadName = (caller: Caller, user: UserSeen): boolean =>
  isAdmin(caller) || (caller.kind === 'user' && (caller.userId === user.id || caller.userId === user.nameShownTo));

export const UserRef = builder.objectRef<UserSeen>('User').implement({
  description: 'Someone who sends or receives notifications.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name', {
      description:
        "Told to the user themself, to the recipient of a notification this user sent, and to admin service tokens; anyone else (another user, a send-only service) gets FORBIDDEN, as with user(id).",
      authScopes: (user, _args, ctx) => mayReadName(ctx.caller, user),
      unauthorizedError: () => new NotifyError('FORBIDDEN', "this token may not read that user's name"),
    }),
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
    resolve: (_root, _args, ctx) => ctx.directory.listUsers(),
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
    resolve: (_root, args, ctx) => ctx.directory.upsertUser(String(args.id), args.name),
  }),
}));
