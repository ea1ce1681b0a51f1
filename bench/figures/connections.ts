/**
 * Connections: N graphql-ws connections, each for a user of its own (N users, N tokens) with one
 * `notificationAdded` subscription, opened from the bench process (not the server's). Memory per
 * connection = (the server process's RSS with them open − its RSS before) ÷ N, both read from
 * outside once settled. Then fan-out to all of them: one notification per user (sendNotifications
 * with 1,000 inputs each, all in flight), timed from the first send until the last of the N
 * subscribers has its own; one warm-up round, then the median of a few. Then the same with one
 * broadcast to a topic every one of them is subscribed to.
 */
import { signToken } from '../../src/dev/dev-tokens.js';
import { BENCH_JWT_SECRET, httpGraphQLClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import type { FigureResult } from '../figure.js';
import { MB, settledRss } from '../rss.js';
import { distribution, runConcurrently, wallClockMs, waitFor, within } from '../stats.js';
import { openSwarm } from '../swarm.js';

const OWN_FEED = /* GraphQL */ `subscription { notificationAdded { id message } }`;
const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index error { code message } }
  }
`;
const SUBSCRIBE = /* GraphQL */ `
  mutation Subscribe($topic: String!, $userIds: [ID!]!) { subscribeToTopic(topic: $topic, userIds: $userIds) { added } }
`;
const BROADCAST = /* GraphQL */ `
  mutation Broadcast($input: BroadcastInput!) { sendBroadcast(input: $input) { id } }
`;
interface SendManyData {
  sendNotifications: { index: number; error: { code: string; message: string } | null }[];
}
interface OwnFeedPayload {
  data?: { notificationAdded?: { message?: string } };
}

const SUBSCRIBED_TIMEOUT_MS = 120_000;
const ROUND_TIMEOUT_MS = 60_000;

/** `notify_subscriptions_active{field="notificationAdded"}` from the server's /metrics. */
async function activeSubscriptions(url: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const line = text.split('\n').find((l) => l.startsWith('notify_subscriptions_active{') && l.includes('field="notificationAdded"'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

export async function connectionsFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.connections;
  const n = s.count;
  const tag = ctx.name('conn');
  const userIds = Array.from({ length: n }, (_, i) => `${tag}-user-${i}`);
  await ctx.host.seedUsers(userIds.map((id) => ({ id, name: id })));
  const tokens: string[] = new Array<string>(n);
  await runConcurrently(n, 500, async (i) => {
    tokens[i] = await signToken(BENCH_JWT_SECRET, { sub: userIds[i]!, expiresIn: '1d' });
  });

  const subscribedBefore = await activeSubscriptions(ctx.system.url);
  // Garbage left by the figures before, or by opening, would otherwise swing the difference by
  // more than the connections themselves hold.
  await ctx.host.collectGarbage();
  const before = await settledRss(ctx.host.pid, ctx.settings.rss);
  ctx.log(`connections: server RSS ${(before.bytes / MB).toFixed(1)} MB before; opening ${n}…`);

  let round: { text: string; got: Uint8Array; count: number; duplicates: number; lastAt: number; done(): void } | undefined;
  const openStarted = performance.now();
  const swarm = await openSwarm(ctx.system.url, tokens, OWN_FEED, s.openConcurrency, (index, payload, at) => {
    const message = (payload as OwnFeedPayload).data?.notificationAdded?.message;
    if (!round || message !== round.text) return;
    if (round.got[index] === 1) {
      round.duplicates += 1;
      return;
    }
    round.got[index] = 1;
    round.count += 1;
    round.lastAt = at;
    if (round.count === n) round.done();
  });
  const http = httpGraphQLClient(ctx.system.url, Math.ceil(n / s.sendBatch));
  try {
    const openMs = performance.now() - openStarted;
    await waitFor(`${n} subscriptions to be active`, async () => (await activeSubscriptions(ctx.system.url)) >= subscribedBefore + n, {
      timeoutMs: SUBSCRIBED_TIMEOUT_MS,
      intervalMs: 200,
    });
    await ctx.host.collectGarbage();
    const after = await settledRss(ctx.host.pid, ctx.settings.rss);
    const bytesPerConnection = (after.bytes - before.bytes) / n;
    ctx.log(`connections: ${n} open in ${Math.round(openMs)} ms; RSS ${(after.bytes / MB).toFixed(1)} MB, ${Math.round(bytesPerConnection)} B each`);

    /** One round: `send` starts it; done when every subscriber has `text`, each exactly once. */
    const deliver = async (label: string, text: string, send: () => Promise<unknown>) => {
      const arrived = new Promise<void>((resolve) => {
        round = { text, got: new Uint8Array(n), count: 0, duplicates: 0, lastAt: 0, done: resolve };
      });
      const meter = cpuMeter({ server: ctx.host.pid });
      const t0 = wallClockMs();
      await send();
      const answeredMs = wallClockMs() - t0;
      const current = round!;
      await within(arrived, ROUND_TIMEOUT_MS, `${label}: ${n} subscribers (${current.count} so far)`);
      const cpu = meter();
      if (current.duplicates > 0) throw new Error(`${label}: ${current.duplicates} notifications pushed twice`);
      return { ms: current.lastAt - t0, answeredMs, cpu };
    };

    const fanOut = (r: number) => {
      const text = `${tag} round ${r}`;
      return deliver(`round ${r}`, text, () =>
        runConcurrently(Math.ceil(n / s.sendBatch), Math.ceil(n / s.sendBatch), async (batch) => {
          const inputs = userIds.slice(batch * s.sendBatch, (batch + 1) * s.sendBatch).map((recipientId) => ({ senderId: '1', recipientId, kind: 'like', message: text }));
          const { sendNotifications } = await http.request<SendManyData>(SEND_MANY, { inputs });
          const failed = sendNotifications.find((result) => result.error !== null);
          if (failed) throw new Error(`sendNotifications: ${failed.error?.code} ${failed.error?.message}`);
        }),
      );
    };

    // Every user subscribed to one topic, then one broadcast per round (issue 19).
    const topic = `${tag}-all`;
    for (let i = 0; i < n; i += 1000) await http.request(SUBSCRIBE, { topic, userIds: userIds.slice(i, i + 1000) });
    const broadcastTo = (r: number) => {
      const text = `${tag} broadcast ${r}`;
      return deliver(`broadcast ${r}`, text, async () => {
        await http.request(BROADCAST, { input: { topic, kind: 'system', message: text } });
      });
    };
    await fanOut(0);
    const rounds = [];
    for (let r = 1; r <= s.rounds; r += 1) {
      rounds.push(await fanOut(r));
      ctx.log(`connections: round ${r}: all ${n} had theirs after ${Math.round(rounds.at(-1)!.ms)} ms`);
    }
    await broadcastTo(0);
    const broadcasts = [];
    for (let r = 1; r <= s.rounds; r += 1) {
      broadcasts.push(await broadcastTo(r));
      ctx.log(`connections: broadcast ${r}: all ${n} had it after ${Math.round(broadcasts.at(-1)!.ms)} ms`);
    }
    const broadcastAll = distribution(broadcasts.map((x) => x.ms));
    const broadcastMedian = broadcasts.find((x) => x.ms === broadcastAll.p50)!;
    if (swarm.failures.count > 0) throw new Error(`${swarm.failures.count} connection failures: ${swarm.failures.first.join('; ')}`);
    const all = distribution(rounds.map((x) => x.ms));
    const answered = distribution(rounds.map((x) => x.answeredMs));
    const median = rounds.find((x) => x.ms === all.p50)!;

    return {
      id: 'connections',
      title: `7. ${n.toLocaleString('en-US')} open graphql-ws connections, one subscription each`,
      ratioNote: 'absolute, against the targets',
      measurements: [
        {
          label: 'server memory per connection with one subscription',
          value: bytesPerConnection,
          unit: 'bytes',
          extra: { 'RSS before MB': before.bytes / MB, 'RSS with them MB': after.bytes / MB, 'opened in ms': openMs },
        },
        {
          label: `one notification per user to all ${n.toLocaleString('en-US')}: until the last has it, median`,
          value: all.p50,
          unit: 'ms',
          extra: { max: all.max, 'last mutation answered p50': answered.p50, ...median.cpu },
        },
        {
          label: `one broadcast to a topic all ${n.toLocaleString('en-US')} are subscribed to: until the last has it, median`,
          value: broadcastAll.p50,
          unit: 'ms',
          extra: { max: broadcastAll.max, 'broadcast answered p50': distribution(broadcasts.map((x) => x.answeredMs)).p50, ...broadcastMedian.cpu },
        },
      ],
      notes: [
        `opened from the bench process (not the server's), ${s.openConcurrency} at a time, each with its own user's token; ` +
          'the subscriptions count as open when the server\'s notify_subscriptions_active gauge says so',
        'RSS: VmRSS of the server process from /proc, each after a full garbage collection and once settled, before opening and with all open (before any fan-out round)',
        `fan-out: ${Math.ceil(n / s.sendBatch)} sendNotifications of up to ${s.sendBatch} inputs, all in flight; from the first send to the last arrival in the bench; ` +
          `${s.rounds} rounds after a warm-up round; every subscriber checked to get its own notification exactly once`,
        `broadcast: every user subscribed to one topic (subscribeToTopic, 1,000 per call, before the rounds); one sendBroadcast per round, from the send to the last arrival; ` +
          `expanded by the broadcast group a page (BROADCAST_PAGE_SIZE) at a time; ${s.rounds} rounds after a warm-up round, each subscriber checked to get it exactly once`,
      ],
      seconds: 0,
      keys: { connections: n, bytesPerConnection, fanoutAllMs: all.p50, broadcast10kMs: broadcastAll.p50 },
    };
  } finally {
    http.close();
    await swarm.close();
  }
}
