/**
 * Steady load, open loop: `sendNotification` at a fixed 500/s on a fixed timetable, whatever the
 * answers do, to recipients spread over every partition, each followed by one graphql-ws
 * `notificationAdded` subscription; latency from each send's due time to its push (so a stall
 * counts in full, see bench/open-loop.ts), in an HDR histogram: p50, p90, p99, max and the sends
 * never pushed within the drain time (lost). Baseline: the same timetable with raw kafkajs,
 * one `producer.send` per event, to a raw consumer (eachMessage) on a topic of the same layout.
 * The two run one after the other (each is a load of its own), raw first.
 */
import type { Histogram } from 'hdr-histogram-js';
import { httpGraphQLClient, subscribe, wsConnection } from '../clients.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import { rawRoundTrip } from '../kafka-raw.js';
import { openLoop, percentileCurve, type OpenLoopResult } from '../open-loop.js';
import type { FigureResult, Measurement } from '../figure.js';
import { within } from '../stats.js';
import { ADDED, type AddedData, PROBE_TIMEOUT_MS, probeUntilLive, SEND_ONE } from './live.js';

/** The number of a send from its message text (`<tag> #<n>`), or -1 for another message. */
function sendNumber(tag: string, message: string | undefined): number {
  if (!message?.startsWith(`${tag} #`)) return -1;
  return Number(message.slice(tag.length + 2));
}

/** Waiters for probe messages by text. */
function probes() {
  const waiting = new Map<string, () => void>();
  return {
    expect: (message: string) => new Promise<void>((resolve) => waiting.set(message, resolve)),
    arrived(message: string) {
      waiting.get(message)?.();
      waiting.delete(message);
    },
  };
}

const ms = (histogram: Histogram, percentile: number) => histogram.getValueAtPercentile(percentile) / 1000;

function row(label: string, result: OpenLoopResult, baseline?: OpenLoopResult): Measurement {
  const h = result.histogram;
  return {
    label,
    value: ms(h, 99),
    unit: 'ms',
    ...(baseline && { ratio: ms(h, 99) / ms(baseline.histogram, 99) }),
    extra: {
      p50: ms(h, 50),
      p90: ms(h, 90),
      max: h.maxValue / 1000,
      lost: result.lost,
      'failed sends': result.failedSends,
      'not sent (in-flight bound)': result.skippedSends,
      'max send lag ms': result.maxSendLagMs,
    },
  };
}

export async function steadyFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.steady;
  const recipients = ctx.users.steady;
  const measured = s.ratePerSecond * s.seconds;
  const warmup = s.ratePerSecond * s.warmupSeconds;
  const loop = (send: (n: number) => Promise<void>) =>
    openLoop({ ratePerSecond: s.ratePerSecond, warmup, measured, drainMs: s.drainMs, maxInFlight: s.maxInFlight, send });

  // The baseline first: a topic of the same layout, its own producer and consumer group.
  const rawTag = ctx.name('steady-raw');
  const rawProbes = probes();
  let rawLoop: ReturnType<typeof loop> | undefined;
  let raw: OpenLoopResult;
  let rawCpu: Record<string, number>;
  const rawPipe = await rawRoundTrip(ctx, 'steady', (text, at) => {
    const n = sendNumber(rawTag, text);
    if (n >= 0) rawLoop?.arrived(n, at);
    else if (text) rawProbes.arrived(text);
  });
  try {
    await probeUntilLive('the raw consumer', async (n) => {
      const text = `${rawTag} probe ${n}`;
      const arrived = rawProbes.expect(text);
      await rawPipe.send(recipients[0]!, text);
      await within(arrived, PROBE_TIMEOUT_MS, text);
    });
    rawLoop = loop(async (n) => {
      await rawPipe.send(recipients[n % recipients.length]!, `${rawTag} #${n}`);
    });
    const meter = cpuMeter({ broker: ctx.brokerPid });
    raw = await rawLoop.run();
    rawCpu = meter();
    ctx.log(`steady: raw p99 ${ms(raw.histogram, 99).toFixed(1)} ms, lost ${raw.lost}`);
  } finally {
    await rawPipe.close();
  }

  // The service: one connection, one subscription per recipient, sends over keep-alive HTTP.
  const tag = ctx.name('steady');
  const http = httpGraphQLClient(ctx.system.url, 64);
  const ws = await wsConnection(ctx.system.url);
  const serviceProbes = probes();
  let serviceLoop: ReturnType<typeof loop> | undefined;
  let subscriptionError: unknown;
  const unsubscribes = recipients.map((userId) =>
    subscribe<AddedData>(
      ws,
      ADDED,
      { userId },
      ({ data, at }) => {
        const n = sendNumber(tag, data.notificationAdded.message);
        if (n >= 0) serviceLoop?.arrived(n, at);
        else serviceProbes.arrived(data.notificationAdded.message);
      },
      (error) => {
        subscriptionError ??= error;
      },
    ),
  );
  try {
    const sendTo = (recipientId: string, message: string) =>
      http.request(SEND_ONE, { input: { senderId: '1', recipientId, kind: 'like', message } });
    // Every subscription is live once a probe to each recipient got through.
    await probeUntilLive('the steady subscriptions', async (n) => {
      await Promise.all(
        recipients.map(async (recipientId) => {
          const text = `${tag} probe ${n} ${recipientId}`;
          const arrived = serviceProbes.expect(text);
          await sendTo(recipientId, text);
          await within(arrived, PROBE_TIMEOUT_MS, text);
        }),
      );
    });
    serviceLoop = loop(async (n) => {
      await sendTo(recipients[n % recipients.length]!, `${tag} #${n}`);
    });
    const meter = cpuMeter({ server: ctx.host.pid, broker: ctx.brokerPid });
    const service = await serviceLoop.run();
    const serviceCpu = meter();
    if (subscriptionError) throw subscriptionError;
    ctx.log(`steady: service p99 ${ms(service.histogram, 99).toFixed(1)} ms, lost ${service.lost}`);

    return {
      id: 'steady',
      title: `6. Steady load, open loop: ${s.ratePerSecond}/s for ${s.seconds} s, send → push`,
      ratioNote: 'p99 ÷ raw kafkajs p99 at the same rate, lower is better',
      baseline: { ...row('raw kafkajs producer.send → eachMessage, p99', raw), extra: { ...row('', raw).extra, ...rawCpu } },
      measurements: [{ ...row('sendNotification → notificationAdded (graphql-ws), p99', service, raw), extra: { ...row('', service).extra, ...serviceCpu } }],
      notes: [
        `${measured.toLocaleString('en-US')} measured sends after ${warmup} warm-up sends, due every ${(1000 / s.ratePerSecond).toFixed(1)} ms whatever the answers do, ` +
          `to ${recipients.length} recipients over every partition; latency from each send's due time (coordinated-omission-correct), HDR histogram`,
        `lost: measured sends not pushed within ${s.drainMs / 1000} s of the last due time (failed sends and sends over the in-flight bound of ${s.maxInFlight} included)`,
        '"max send lag": how late the bench made a send after its due time (above a few ms the load generator itself fell behind)',
      ],
      seconds: 0,
      keys: {
        steadyRate: s.ratePerSecond,
        steadyP50Ms: ms(service.histogram, 50),
        steadyP90Ms: ms(service.histogram, 90),
        steadyP99Ms: ms(service.histogram, 99),
        steadyMaxMs: service.histogram.maxValue / 1000,
        steadyLost: service.lost,
        rawSteadyP99Ms: ms(raw.histogram, 99),
      },
      curves: [
        { label: `service, sendNotification → notificationAdded at ${s.ratePerSecond}/s`, points: percentileCurve(service.histogram) },
        { label: `raw kafkajs produce → consume at ${s.ratePerSecond}/s`, points: percentileCurve(raw.histogram) },
      ],
    };
  } finally {
    for (const unsubscribe of unsubscribes) unsubscribe();
    await ws.dispose();
    http.close();
  }
}
