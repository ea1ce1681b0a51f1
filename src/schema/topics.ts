/**
 * Topics and broadcasts: admins subscribe users to topics in bulk and page a topic's subscribers;
 * a back end sends one notification to every subscriber of a topic.
 */
import { badInput } from '../notifications/errors.js';
import type { NewBroadcast } from '../notifications/notification.js';
import type { BroadcastProgress } from '../notifications/ports.js';
import { TOPIC_USERS_MAX } from '../notifications/topics.js';
import { sendAuthority, spendSendAllowance } from './acting-for.js';
import { builder } from './builder.js';
import { NotificationKindRef } from './notification.js';
import { UserRef } from './user.js';

const BroadcastInputRef = builder.inputType('BroadcastInput', {
  fields: (t) => ({
    topic: t.string({ required: true, description: 'Every user subscribed to this topic when it is sent gets it (the sender excepted).' }),
    senderId: t.id({ description: 'Who caused it; leave it out for kind SYSTEM.' }),
    kind: t.field({ type: NotificationKindRef, required: true }),
    message: t.string({ required: true }),
    link: t.string({ description: 'Where the notification leads: an http(s) URL or a path starting with /.' }),
    data: t.field({ type: 'JSON', description: 'Anything the client needs to render it (at most 16 KiB as JSON).' }),
    idempotencyKey: t.string({ description: 'The same key from the same sender to the same topic is the same broadcast: every subscriber gets it once.' }),
  }),
});

const BroadcastProgressRef = builder.objectRef<BroadcastProgress>('BroadcastProgress').implement({
  description: "How far a broadcast's expansion into its subscribers' inboxes got.",
  fields: (t) => ({
    recipients: t.exposeInt('recipients', { description: 'Subscribers whose notification Kafka has acknowledged so far.' }),
    done: t.exposeBoolean('done', { description: 'Every subscriber has theirs on the log; the inbox stores and pushes them moments later.' }),
  }),
});

const BroadcastRef = builder.objectRef<NewBroadcast>('Broadcast').implement({
  description: 'One notification for every subscriber of a topic, acknowledged by Kafka; each subscriber gets a copy of their own.',
  fields: (t) => ({
    id: t.exposeID('id'),
    topic: t.exposeString('topic'),
    kind: t.field({ type: NotificationKindRef, resolve: (b) => b.kind }),
    message: t.exposeString('message'),
    createdAt: t.field({ type: 'DateTime', resolve: (b) => b.createdAt }),
  }),
});

const TopicSubscriptionResultRef = builder
  .objectRef<{ topic: string; added: string[]; unknownUserIds: string[] }>('TopicSubscriptionResult')
  .implement({
    fields: (t) => ({
      topic: t.exposeString('topic'),
      added: t.exposeIDList('added', { description: 'Users newly subscribed (the others of the list already were).' }),
      unknownUserIds: t.exposeIDList('unknownUserIds', { description: 'Ids that are no user: nothing was done for them.' }),
    }),
  });

builder.queryFields((t) => ({
  topicSubscribers: t.connection(
    {
      type: UserRef,
      description: "A topic's subscribers, by user id. Admin service tokens only.",
      args: { topic: t.arg.string({ required: true }) },
      authScopes: { admin: true },
      resolve: async (_root, args, ctx) => {
        if (args.last != null || args.before != null) throw badInput('page forward with first and after', args.last != null ? 'last' : 'before');
        const page = await ctx.topics.subscribers(args.topic, { first: args.first, after: args.after });
        const users = await ctx.users.loadMany(page.userIds);
        const edges = page.userIds.flatMap((id, index) => {
          const user = users[index];
          // A user deleted meanwhile still shows as subscribed, by id.
          return [{ cursor: id, node: user && !(user instanceof Error) ? user : { id, name: '' } }];
        });
        return {
          edges,
          pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: args.after != null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },
    },
    { name: 'TopicSubscriberConnection', description: "A page of a topic's subscribers; the cursor is the user id." },
    { name: 'TopicSubscriberEdge' },
  ),
  broadcastProgress: t.field({
    type: BroadcastProgressRef,
    nullable: true,
    description: "How far a broadcast's expansion got; null until its first page of subscribers. Admin service tokens only.",
    args: { id: t.arg.id({ required: true }) },
    authScopes: { admin: true },
    resolve: (_root, args, ctx) => ctx.topics.progress(String(args.id)),
  }),
}));

builder.mutationFields((t) => ({
  subscribeToTopic: t.field({
    type: TopicSubscriptionResultRef,
    description: `Subscribes up to ${TOPIC_USERS_MAX} users to a topic (a topic exists while it has subscribers). Admin service tokens only.`,
    args: { topic: t.arg.string({ required: true }), userIds: t.arg.idList({ required: true }) },
    authScopes: { admin: true },
    resolve: async (_root, args, ctx) => ({ topic: args.topic, ...(await ctx.topics.subscribe(args.topic, args.userIds.map(String))) }),
  }),
  unsubscribeFromTopic: t.field({
    type: ['ID'],
    description: `Unsubscribes up to ${TOPIC_USERS_MAX} users from a topic; answers the ids that were subscribed. Admin service tokens only.`,
    args: { topic: t.arg.string({ required: true }), userIds: t.arg.idList({ required: true }) },
    authScopes: { admin: true },
    resolve: (_root, args, ctx) => ctx.topics.unsubscribe(args.topic, args.userIds.map(String)),
  }),
  sendBroadcast: t.field({
    type: BroadcastRef,
    description:
      'Sends one notification to every subscriber of a topic: answers once Kafka acknowledged the broadcast; each subscriber gets it once, in their own inbox, pushed live. Service tokens only.',
    args: { input: t.arg({ type: BroadcastInputRef, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      await spendSendAllowance(ctx, 1);
      return ctx.broadcaster.broadcast(
        {
          topic: input.topic,
          senderId: input.senderId === null || input.senderId === undefined ? null : String(input.senderId),
          kind: input.kind,
          message: input.message,
          link: input.link ?? null,
          data: input.data ?? null,
          idempotencyKey: input.idempotencyKey ?? null,
        },
        sendAuthority(ctx.caller),
      );
    },
  }),
}));
