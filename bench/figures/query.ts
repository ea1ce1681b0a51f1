/**
 * Figure 3, query overhead: `notifications(userId, first: 20)` over HTTP against the service, vs
 * a bare graphql-yoga server answering the same shape from a constant list (bench/bare-yoga.ts),
 * in its own server process like the service. Requests per second with 20 clients in flight for
 * a fixed number of requests, interleaved rounds, best of each. Measured on an inbox of 200 and,
 * to show how the cost grows with the inbox, on a large one.
 */
import { Partitioners } from 'kafkajs';
import { httpGraphQLClient, type HttpGraphQLClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import { likeEvent, waitCaughtUp } from '../kafka-raw.js';
import type { FigureResult } from '../report.js';
import { runConcurrently } from '../stats.js';

export const INBOX = /* GraphQL */ `
  query Inbox($userId: ID!, $first: Int) {
    notifications(userId: $userId, first: $first) {
      totalCount
      edges { cursor node { id seq kind message createdAt status sender { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

export interface InboxData {
  notifications: { totalCount: number; edges: unknown[] };
}

/** Requests per second for `requests` inbox queries, `concurrency` in flight. */
export async function queryRate(client: HttpGraphQLClient, userId: string, requests: number, concurrency: number, expectTotal?: number): Promise<number> {
  const elapsedMs = await runConcurrently(requests, concurrency, async () => {
    const { notifications } = await client.request<InboxData>(INBOX, { userId, first: 20 });
    if (notifications.edges.length !== 20) throw new Error(`expected 20 edges, got ${notifications.edges.length}`);
    if (expectTotal !== undefined && notifications.totalCount !== expectTotal) {
      throw new Error(`expected totalCount ${expectTotal}, got ${notifications.totalCount}`);
    }
  });
  return (requests / elapsedMs) * 1000;
}

/** Writes `count` notifications for `userId` onto the system's topic and waits until they are stored. */
async function fillInbox(ctx: BenchContext, userId: string, count: number): Promise<void> {
  const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await runConcurrently(Math.ceil(count / 500), 2, async (batch) => {
      const size = Math.min(500, count - batch * 500);
      const messages = Array.from({ length: size }, (_, i) => likeEvent(userId, `Emma liked your post #${batch * 500 + i}.`));
      await producer.send({ topic: ctx.system.topic, acks: -1, messages });
    });
  } finally {
    await producer.disconnect();
  }
  await waitCaughtUp(ctx.admin, ctx.system.groupId, ctx.system.topic);
}

export async function queryFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.query;
  const { query: lightUser, queryHeavy: heavyUser } = ctx.users;
  await fillInbox(ctx, lightUser, s.inboxSize);
  await fillInbox(ctx, heavyUser, s.heavyInboxSize);

  const bareHost = await ctx.spawnHost();
  let bare: HttpGraphQLClient | undefined;
  const service = httpGraphQLClient(ctx.system.url, s.concurrency);
  try {
    const { url: bareUrl } = await bareHost.startBareYoga();
    bare = httpGraphQLClient(bareUrl, s.concurrency);
    const runs = {
      bare: (n: number) => queryRate(bare!, lightUser, n, s.concurrency),
      light: (n: number) => queryRate(service, lightUser, n, s.concurrency, s.inboxSize),
      heavy: (n: number) => queryRate(service, heavyUser, Math.max(100, Math.round(n / 4)), s.concurrency, s.heavyInboxSize),
    };
    const names = ['bare', 'light', 'heavy'] as const;
    for (const name of names) await runs[name](s.warmup);
    const best = { bare: 0, light: 0, heavy: 0 };
    for (let round = 0; round < s.rounds; round += 1) {
      for (const name of names) {
        const rate = await runs[name](s.requests);
        best[name] = Math.max(best[name], rate);
        ctx.log(`query round ${round + 1}: ${name} ${Math.round(rate)} req/s`);
      }
    }
    return {
      id: 'query',
      title: '3. Query overhead: notifications(userId, first: 20)',
      ratioNote: '÷ bare graphql-yoga, higher is better',
      baseline: { label: 'bare graphql-yoga, constant list of 20', value: best.bare, unit: 'req/s' },
      measurements: [
        { label: `service, inbox of ${s.inboxSize}`, value: best.light, unit: 'req/s', ratio: best.light / best.bare },
        { label: `service, inbox of ${s.heavyInboxSize}`, value: best.heavy, unit: 'req/s', ratio: best.heavy / best.bare },
      ],
      notes: [
        `${s.requests} requests per round (a quarter of that on the large inbox), ${s.concurrency} in flight, keep-alive; best of ${s.rounds} interleaved rounds after ${s.warmup} warm-up requests each`,
        'selection: totalCount, edges { cursor node { id seq kind message createdAt status sender { name } } }, pageInfo; the bare server answers the same shape',
      ],
      seconds: 0,
    };
  } finally {
    service.close();
    bare?.close();
    await bareHost.close();
  }
}
