/**
 * Figure 4, fan-out: K graphql-ws subscriptions (spread over C WebSocket connections, all for one
 * user) and one notification: the time from sending it until the last of the K has it, p50 over
 * several rounds. Baseline: the same with a single subscription, in the same rounds. Two more
 * rows do the same with `notificationsChanged { unreadCount }`, whose count is read from the store
 * once per change (shared by the feeds that deliver it): on a small inbox and on a large one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from 'graphql-ws';
import { httpGraphQLClient, subscribe, wsConnection } from '../clients.js';
import type { BenchContext } from '../context.js';
import { fillInbox } from '../kafka-raw.js';
import type { FigureResult, Measurement } from '../figure.js';
import { distribution, wallClockMs, within } from '../stats.js';
import { ADDED, type AddedData, PROBE_TIMEOUT_MS, probeUntilLive, SEND_ONE } from './live.js';

const CHANGES = /* GraphQL */ `
  subscription Changes($userId: ID!) { notificationsChanged(userId: $userId) { action ids unreadCount } }
`;
interface ChangesData {
  notificationsChanged: { action: string; ids: string[]; unreadCount: number };
}

const ROUND_TIMEOUT_MS = 30_000;

interface Seen {
  count: number;
  first: number;
  last: number;
}

/** Counts arrivals per notification id; `until` waits for a number of them (they may come first). */
function arrivalsById() {
  const seen = new Map<string, Seen>();
  const waiters = new Map<string, { count: number; resolve(seen: Seen): void }>();
  return {
    seen,
    arrived(id: string, at: number): void {
      const entry = seen.get(id) ?? { count: 0, first: at, last: at };
      entry.count += 1;
      entry.last = at;
      seen.set(id, entry);
      const waiter = waiters.get(id);
      if (waiter && entry.count >= waiter.count) {
        waiters.delete(id);
        waiter.resolve(entry);
      }
    },
    until(id: string, count: number): Promise<Seen> {
      const entry = seen.get(id);
      if (entry && entry.count >= count) return Promise.resolve(entry);
      return new Promise((resolve) => waiters.set(id, { count, resolve }));
    },
  };
}

export async function fanoutFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.fanout;
  await fillInbox(ctx.kafka, ctx.admin, ctx.system, ctx.users.fanoutChangesHeavy, s.heavyInboxSize);
  const http = httpGraphQLClient(ctx.system.url, 2);
  const connections: Client[] = [];
  const unsubscribes: (() => void)[] = [];
  let subscriptionError: unknown;
  const onError = (error: unknown) => {
    subscriptionError ??= error;
  };
  try {
    for (let i = 0; i < s.connections; i += 1) connections.push(await wsConnection(ctx.system.url));
    const groups = {
      single: { userId: ctx.users.fanoutSingle, subscribers: 1, arrivals: arrivalsById() },
      added: { userId: ctx.users.fanout, subscribers: s.subscribers, arrivals: arrivalsById() },
      changes: { userId: ctx.users.fanoutChanges, subscribers: s.subscribers, arrivals: arrivalsById() },
      changesHeavy: { userId: ctx.users.fanoutChangesHeavy, subscribers: s.subscribers, arrivals: arrivalsById() },
    };
    const names = ['single', 'added', 'changes', 'changesHeavy'] as const;
    for (const name of names) {
      const group = groups[name];
      for (let i = 0; i < group.subscribers; i += 1) {
        const client = connections[i % connections.length]!;
        unsubscribes.push(
          name === 'changes' || name === 'changesHeavy'
            ? subscribe<ChangesData>(client, CHANGES, { userId: group.userId }, ({ data, at }) => {
                if (data.notificationsChanged.action === 'ADDED') for (const id of data.notificationsChanged.ids) group.arrivals.arrived(id, at);
              }, onError)
            : subscribe<AddedData>(client, ADDED, { userId: group.userId }, ({ data, at }) => group.arrivals.arrived(data.notificationAdded.id, at), onError),
        );
      }
    }

    /** One notification to the group's user: ms from sending to the first and to the last subscriber. */
    const sendRound = async (name: (typeof names)[number], timeoutMs = ROUND_TIMEOUT_MS) => {
      const group = groups[name];
      const t0 = wallClockMs();
      const { sendNotification } = await http.request<{ sendNotification: { id: string } }>(SEND_ONE, {
        input: { senderId: '1', recipientId: group.userId, kind: 'like', message: `Emma liked your post (${name}).` },
      });
      const seen = await within(group.arrivals.until(sendNotification.id, group.subscribers), timeoutMs, `${group.subscribers} ${name} subscribers`);
      if (subscriptionError) throw subscriptionError;
      return { id: sendNotification.id, first: seen.first - t0, last: seen.last - t0 };
    };

    for (const name of names) await probeUntilLive(`the ${name} subscriptions`, () => sendRound(name, PROBE_TIMEOUT_MS));

    const samples = { single: [] as number[], added: [] as number[], changes: [] as number[], changesHeavy: [] as number[] };
    const spreads = { single: [] as number[], added: [] as number[], changes: [] as number[], changesHeavy: [] as number[] };
    // Probes may have reached only the subscriptions already set up; the rounds must reach all.
    const roundIds = new Set<string>();
    for (let round = 0; round < s.warmup + s.rounds; round += 1) {
      for (const name of names) {
        const { id, first, last } = await sendRound(name);
        roundIds.add(id);
        if (round >= s.warmup) {
          samples[name].push(last);
          spreads[name].push(last - first);
        }
        await delay(50);
      }
    }

    // Every subscriber got every notification exactly once.
    await delay(200);
    for (const name of names) {
      const group = groups[name];
      const wrong = [...group.arrivals.seen].filter(([id, seen]) => roundIds.has(id) && seen.count !== group.subscribers).map(([, seen]) => seen);
      if (wrong.length > 0) throw new Error(`${name}: ${wrong.length} notifications reached ${wrong.map((w) => w.count).join(', ')} subscribers, not ${group.subscribers}`);
    }

    const single = distribution(samples.single);
    const row = (name: 'added' | 'changes' | 'changesHeavy', label: string): Measurement => {
      const d = distribution(samples[name]);
      return {
        label,
        value: d.p50,
        unit: 'ms',
        ratio: d.p50 / single.p50,
        extra: { p95: d.p95, max: d.max, 'first → last p50': distribution(spreads[name]).p50 },
      };
    };
    return {
      id: 'fanout',
      title: `4. Fan-out: one notification to ${s.subscribers} subscriptions of one user`,
      ratioNote: 'p50 ÷ p50 with a single subscription, lower is better',
      baseline: { label: 'one notificationAdded subscription, send → received, p50', value: single.p50, unit: 'ms', extra: { p95: single.p95 } },
      measurements: [
        row('added', `${s.subscribers} notificationAdded subscriptions, send → last received, p50`),
        row('changes', `${s.subscribers} notificationsChanged { unreadCount }, send → last received, p50`),
        row('changesHeavy', `the same, on an inbox of ${s.heavyInboxSize}`),
      ],
      notes: [
        `${s.subscribers} subscriptions over ${s.connections} WebSocket connections; ${s.rounds} rounds after ${s.warmup} warm-up rounds, interleaved with the baseline`,
        'arrival is stamped in the bench process as each event is handed to the client, so the client\'s own share of the work is included',
        'notificationsChanged resolves unreadCount from the store once per change, shared by every feed that delivers it',
      ],
      seconds: 0,
    };
  } finally {
    for (const unsubscribe of unsubscribes) unsubscribe();
    await Promise.allSettled(connections.map((client) => client.dispose()));
    http.close();
  }
}
