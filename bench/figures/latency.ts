/**
 * Figure 2, end-to-end latency: from starting the `sendNotification` request to the graphql-ws
 * subscriber receiving the notification (through Kafka, the consumer group, the store's commit
 * and the pub/sub; the offset commit runs beside the push). Baseline: the same event from a raw kafkajs producer to a
 * raw kafkajs consumer (eachMessage) on the same broker. Sends are sequential, at a modest rate,
 * and alternate between the two so that both see the same machine.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { httpGraphQLClient, subscribe, wsConnection } from '../clients.js';
import type { BenchContext } from '../context.js';
import { rawRoundTrip } from '../kafka-raw.js';
import type { FigureResult } from '../figure.js';
import { distribution, wallClockMs, within } from '../stats.js';
import { ADDED, type AddedData, PROBE_TIMEOUT_MS, probeUntilLive, SEND_ONE } from './live.js';

const RECEIVE_TIMEOUT_MS = 15_000;

/** Resolves the waiter registered for a message text when it arrives. */
function arrivals() {
  const waiting = new Map<string, (at: number) => void>();
  return {
    expect(message: string): Promise<number> {
      return new Promise((resolve) => waiting.set(message, resolve));
    },
    arrived(message: string, at: number): void {
      const resolve = waiting.get(message);
      waiting.delete(message);
      resolve?.(at);
    },
  };
}

export async function latencyFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.latency;
  const user = ctx.users.latency;
  const tag = ctx.name('lat');
  const intervalMs = 1000 / s.ratePerSecond;

  const raw = arrivals();
  const service = arrivals();
  const http = httpGraphQLClient(ctx.system.url, 2);
  const ws = await wsConnection(ctx.system.url);
  let subscriptionError: unknown;
  const unsubscribe = subscribe<AddedData>(
    ws,
    ADDED,
    { userId: user },
    ({ data, at }) => service.arrived(data.notificationAdded.message, at),
    (error) => {
      subscriptionError = error;
    },
  );
  let closeRaw = async () => {};
  try {
    // The baseline: a topic of the same layout with its own producer and consumer group.
    const rawPipe = await rawRoundTrip(ctx, 'latency', (text, at) => {
      if (text) raw.arrived(text, at);
    });
    closeRaw = rawPipe.close;

    /** One send of either kind: ms until the push (and until the mutation's answer, for the service). */
    const sendRaw = async (message: string, timeoutMs = RECEIVE_TIMEOUT_MS) => {
      const arrived = raw.expect(message);
      const t0 = wallClockMs();
      await rawPipe.send(user, message);
      const ack = wallClockMs() - t0;
      return { total: (await within(arrived, timeoutMs, `raw message ${message}`)) - t0, ack };
    };
    const sendService = async (message: string, timeoutMs = RECEIVE_TIMEOUT_MS) => {
      const arrived = service.expect(message);
      const t0 = wallClockMs();
      await http.request(SEND_ONE, { input: { senderId: '1', recipientId: user, kind: 'like', message } });
      const ack = wallClockMs() - t0;
      if (subscriptionError) throw subscriptionError;
      return { total: (await within(arrived, timeoutMs, `notification ${message}`)) - t0, ack };
    };

    // Both consumers are live once a probe gets through (the subscription and the group join are
    // asynchronous on the far side).
    await probeUntilLive('the raw consumer', (n) => sendRaw(`${tag} raw probe ${n}`, PROBE_TIMEOUT_MS));
    await probeUntilLive('the subscription', (n) => sendService(`${tag} probe ${n}`, PROBE_TIMEOUT_MS));

    const rawTotals: number[] = [];
    const rawAcks: number[] = [];
    const serviceTotals: number[] = [];
    const serviceAcks: number[] = [];
    for (let i = 0; i < s.warmup + s.sends; i += 1) {
      const measured = i >= s.warmup;
      for (const [send, totals, acks, kind] of [
        [sendRaw, rawTotals, rawAcks, 'raw'],
        [sendService, serviceTotals, serviceAcks, 'service'],
      ] as const) {
        const started = performance.now();
        const { total, ack } = await send(`${tag} ${kind} #${i}`);
        if (measured) {
          totals.push(total);
          acks.push(ack);
        }
        const rest = intervalMs - (performance.now() - started);
        if (rest > 0) await delay(rest);
      }
    }

    const rawD = distribution(rawTotals);
    const serviceD = distribution(serviceTotals);
    const rawAck = distribution(rawAcks);
    const serviceAck = distribution(serviceAcks);
    return {
      id: 'latency',
      title: '2. End-to-end latency (send → subscriber)',
      ratioNote: 'p50 ÷ raw kafkajs p50, lower is better',
      baseline: {
        label: 'raw kafkajs produce → eachMessage, p50',
        value: rawD.p50,
        unit: 'ms',
        extra: { p95: rawD.p95, p99: rawD.p99, 'ack p50': rawAck.p50 },
      },
      measurements: [
        {
          label: 'sendNotification → notificationAdded (graphql-ws), p50',
          value: serviceD.p50,
          unit: 'ms',
          ratio: serviceD.p50 / rawD.p50,
          extra: { p95: serviceD.p95, p99: serviceD.p99, 'mutation answer p50': serviceAck.p50 },
        },
        { label: 'p95', value: serviceD.p95, unit: 'ms', ratio: serviceD.p95 / rawD.p95 },
        { label: 'p99', value: serviceD.p99, unit: 'ms', ratio: serviceD.p99 / rawD.p99 },
        {
          label: 'answer → push (fetch, store, pub/sub, graphql-ws), p50',
          value: distribution(serviceTotals.map((total, i) => total - serviceAcks[i]!)).p50,
          unit: 'ms',
        },
      ],
      notes: [
        `${s.sends} sends each after ${s.warmup} warm-up sends, sequential, alternating raw and service, at most ${s.ratePerSecond}/s; ` +
          'p95 and p99 rows are ratios of the same percentiles',
        '"ack p50" / "mutation answer p50": until the producer call / the HTTP mutation returned (acks = all)',
      ],
      seconds: 0,
      keys: { e2eP50Ms: serviceD.p50, rawE2eP50Ms: rawD.p50 },
    };
  } finally {
    unsubscribe();
    await ws.dispose();
    http.close();
    await closeRaw();
  }
}
