/**
 * Figure 3, query overhead: `notifications(userId, first: 20)` over HTTP against the service, vs
 * a bare graphql-yoga server answering the same shape from a constant list (bench/bare-yoga.ts),
 * in its own server process like the service. Requests per second with 20 clients in flight for
 * a fixed number of requests, interleaved rounds, best of each. Measured on an inbox of 200 and,
 * to show how the cost grows with the inbox, on a large one.
 */
import { httpGraphQLClient, type HttpGraphQLClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import { fillInbox } from '../kafka-raw.js';
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

/** The same page without totalCount: what a client pays when it does not ask for the count. */
const INBOX_WITHOUT_COUNT = /* GraphQL */ `
  query Inbox($userId: ID!, $first: Int) {
    notifications(userId: $userId, first: $first) {
      edges { cursor node { id seq kind message createdAt status sender { name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

interface InboxData {
  notifications: { totalCount?: number; edges: unknown[] };
}

/** Requests per second for `requests` inbox queries, `concurrency` in flight. */
async function queryRate(
  client: HttpGraphQLClient,
  userId: string,
  requests: number,
  concurrency: number,
  { expectTotal, query = INBOX }: { expectTotal?: number; query?: string } = {},
): Promise<number> {
  const elapsedMs = await runConcurrently(requests, concurrency, async () => {
    const { notifications } = await client.request<InboxData>(query, { userId, first: 20 });
    if (notifications.edges.length !== 20) throw new Error(`expected 20 edges, got ${notifications.edges.length}`);
    if (expectTotal !== undefined && notifications.totalCount !== expectTotal) {
      throw new Error(`expected totalCount ${expectTotal}, got ${notifications.totalCount}`);
    }
  });
  return (requests / elapsedMs) * 1000;
}

export async function queryFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.query;
  const { query: lightUser, queryHeavy: heavyUser } = ctx.users;
  await fillInbox(ctx.kafka, ctx.admin, ctx.system, lightUser, s.inboxSize);
  await fillInbox(ctx.kafka, ctx.admin, ctx.system, heavyUser, s.heavyInboxSize);

  const bareHost = await ctx.spawnHost();
  let bare: HttpGraphQLClient | undefined;
  const service = httpGraphQLClient(ctx.system.url, s.concurrency);
  try {
    const { url: bareUrl } = await bareHost.startBareYoga();
    bare = httpGraphQLClient(bareUrl, s.concurrency);
    const heavyRequests = (n: number) => Math.max(100, Math.round(n * 0.4));
    const runs = {
      bare: (n: number) => queryRate(bare!, lightUser, n, s.concurrency),
      light: (n: number) => queryRate(service, lightUser, n, s.concurrency, { expectTotal: s.inboxSize }),
      heavy: (n: number) => queryRate(service, heavyUser, heavyRequests(n), s.concurrency, { expectTotal: s.heavyInboxSize }),
      heavyWithoutCount: (n: number) => queryRate(service, heavyUser, heavyRequests(n), s.concurrency, { query: INBOX_WITHOUT_COUNT }),
    };
    const names = ['bare', 'light', 'heavy', 'heavyWithoutCount'] as const;
    for (const name of names) await runs[name](s.warmup);
    const best = Object.fromEntries(names.map((name) => [name, { rate: 0, cpu: {} }])) as Record<
      (typeof names)[number],
      { rate: number; cpu: Record<string, number> }
    >;
    for (let round = 0; round < s.rounds; round += 1) {
      for (const name of names) {
        const meter = cpuMeter({ server: name === 'bare' ? bareHost.pid : ctx.host.pid });
        const rate = await runs[name](s.requests);
        const cpu = meter();
        if (rate > best[name].rate) best[name] = { rate, cpu };
        ctx.log(`query round ${round + 1}: ${name} ${Math.round(rate)} req/s`);
      }
    }
    return {
      id: 'query',
      title: '3. Query overhead: notifications(userId, first: 20)',
      ratioNote: '÷ bare graphql-yoga, higher is better',
      baseline: { label: 'bare graphql-yoga, constant list of 20', value: best.bare.rate, unit: 'req/s', extra: best.bare.cpu },
      measurements: [
        { label: `service, inbox of ${s.inboxSize}`, value: best.light.rate, unit: 'req/s', ratio: best.light.rate / best.bare.rate, extra: best.light.cpu },
        {
          label: `service, inbox of ${s.heavyInboxSize}`,
          value: best.heavy.rate,
          unit: 'req/s',
          ratio: best.heavy.rate / best.bare.rate,
          extra: best.heavy.cpu,
        },
        {
          label: `service, inbox of ${s.heavyInboxSize}, without totalCount`,
          value: best.heavyWithoutCount.rate,
          unit: 'req/s',
          ratio: best.heavyWithoutCount.rate / best.bare.rate,
          extra: best.heavyWithoutCount.cpu,
        },
      ],
      notes: [
        `${s.requests} requests per round (40% of that on the large inbox), ${s.concurrency} in flight, keep-alive; best of ${s.rounds} interleaved rounds after ${s.warmup} warm-up requests each`,
        'selection: totalCount, edges { cursor node { id seq kind message createdAt status sender { name } } }, pageInfo; the bare server answers the same shape',
        'the last row leaves totalCount out of the selection: equal rates mean the count is computed whether it is asked for or not',
      ],
      seconds: 0,
    };
  } finally {
    service.close();
    bare?.close();
    await bareHost.close();
  }
}
