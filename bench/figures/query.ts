/**
 * Figure 3, query overhead: `notifications(userId, first: 20)` over HTTP against the service, vs
 * a bare graphql-yoga server answering the same shape from a constant list (bench/bare-yoga.ts),
 * in its own server process like the service. Requests per second with 20 clients in flight for
 * a fixed number of requests, interleaved rounds, best of each. Measured on every store, on an
 * inbox of 200 and, to show how the cost grows with the inbox, on one of 5,000.
 */
import { httpGraphQLClient, type HttpGraphQLClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import { fillInbox } from '../kafka-raw.js';
import type { FigureResult } from '../figure.js';
import { STORE_NAMES } from '../settings.js';
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

interface Run {
  name: string;
  label: string;
  serverPid: number;
  rate(requests: number): Promise<number>;
}

export async function queryFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.query;
  const { query: lightUser, queryHeavy: heavyUser } = ctx.users;
  for (const { system } of ctx.systems) {
    await fillInbox(ctx.kafka, ctx.admin, system, lightUser, s.inboxSize);
    await fillInbox(ctx.kafka, ctx.admin, system, heavyUser, s.heavyInboxSize);
  }

  const bareHost = await ctx.spawnHost();
  let bare: HttpGraphQLClient | undefined;
  const services = ctx.systems.map((target) => ({ ...target, client: httpGraphQLClient(target.system.url, s.concurrency) }));
  try {
    const { url: bareUrl } = await bareHost.startBareYoga();
    bare = httpGraphQLClient(bareUrl, s.concurrency);
    const bareClient = bare;
    const runs: Run[] = [
      { name: 'bare', label: 'bare graphql-yoga, constant list of 20', serverPid: bareHost.pid, rate: (n) => queryRate(bareClient, lightUser, n, s.concurrency) },
      // Without totalCount only on the first store: it tells whether the count is skipped, the same on both.
      ...services.flatMap(({ store, host, client }, index): Run[] => [
        {
          name: `light-${store}`,
          label: `service (${STORE_NAMES[store]}), inbox of ${s.inboxSize}`,
          serverPid: host.pid,
          rate: (n) => queryRate(client, lightUser, n, s.concurrency, { expectTotal: s.inboxSize }),
        },
        {
          name: `heavy-${store}`,
          label: `service (${STORE_NAMES[store]}), inbox of ${s.heavyInboxSize.toLocaleString('en-US')}`,
          serverPid: host.pid,
          rate: (n) => queryRate(client, heavyUser, n, s.concurrency, { expectTotal: s.heavyInboxSize }),
        },
        ...(index > 0
          ? []
          : [
              {
                name: `heavy-${store}-without-count`,
                label: `service (${STORE_NAMES[store]}), inbox of ${s.heavyInboxSize.toLocaleString('en-US')}, without totalCount`,
                serverPid: host.pid,
                rate: (n: number) => queryRate(client, heavyUser, n, s.concurrency, { query: INBOX_WITHOUT_COUNT }),
              },
            ]),
      ]),
    ];
    for (const run of runs) await run.rate(s.warmup);
    const best = new Map<string, { rate: number; cpu: Record<string, number> }>();
    for (let round = 0; round < s.rounds; round += 1) {
      for (const run of runs) {
        const meter = cpuMeter({ server: run.serverPid });
        const rate = await run.rate(s.requests);
        const cpu = meter();
        if (rate > (best.get(run.name)?.rate ?? 0)) best.set(run.name, { rate, cpu });
        ctx.log(`query round ${round + 1}: ${run.name} ${Math.round(rate)} req/s`);
      }
    }
    const bareRate = best.get('bare')!.rate;
    const keys: Record<string, number> = { bareYogaPerSec: bareRate };
    for (const { store } of ctx.systems) {
      const suffix = store === 'pg' ? 'Pg' : 'Pglite';
      keys[`pagePerSec${suffix}`] = best.get(`light-${store}`)!.rate;
      keys[`pageLargePerSec${suffix}`] = best.get(`heavy-${store}`)!.rate;
    }
    const [baseline, ...rest] = runs.map((run) => ({
      label: run.label,
      value: best.get(run.name)!.rate,
      unit: 'req/s',
      ...(run.name !== 'bare' && { ratio: best.get(run.name)!.rate / bareRate }),
      extra: best.get(run.name)!.cpu,
    }));
    return {
      id: 'query',
      title: '3. Query overhead: notifications(userId, first: 20)',
      ratioNote: '÷ bare graphql-yoga, higher is better',
      baseline: baseline!,
      measurements: rest,
      notes: [
        `${s.requests} requests per round, ${s.concurrency} in flight, keep-alive; best of ${s.rounds} interleaved rounds after ${s.warmup} warm-up requests each`,
        'selection: totalCount, edges { cursor node { id seq kind message createdAt status sender { name } } }, pageInfo; the bare server answers the same shape',
        'the row without totalCount (first store) leaves it out of the selection: equal rates mean the count is computed whether it is asked for or not',
      ],
      seconds: 0,
      keys,
    };
  } finally {
    for (const { client } of services) client.close();
    bare?.close();
    await bareHost.close();
  }
}
