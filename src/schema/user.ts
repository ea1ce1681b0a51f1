import type { User } from '../notifications/notification.js';
import { builder } from './builder.js';

export const UserRef = builder.objectRef<User>('User').implement({
  description: 'Someone who sends or receives notifications.',
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
  }),
});

builder.queryFields((t) => ({
  users: t.field({
    type: [UserRef],
    description: 'Every user, by id.',
    resolve: (_root, _args, ctx) => ctx.inbox.listUsers(),
  }),
  user: t.field({
    type: UserRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => ctx.users.load(String(args.id)),
  }),
}));
