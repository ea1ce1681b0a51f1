/**
 * Figure 1, produce throughput. The same LIKE events go onto the system's own topic three ways:
 * raw kafkajs `producer.send` (batches of 100, acks -1: the baseline), `sendNotifications`
 * (batches of 100 over HTTP) and `sendNotification` (one per request, 50 in flight, which the
 * service's producer merges into micro-batches). The system's consumer stores everything in all
 * three cases; the bench waits until it has caught up after each run, so no run pays for the last.
 */
import { Partitioners } from 'kafkajs';
import { httpGraphQLClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import { likeEvent, waitCaughtUp } from '../kafka-raw.js';
import type { FigureResult, Measurement } from '../report.js';
import { runConcurrently } from '../stats.js';

const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { id } error { code message } }
  }
`;
const SEND_ONE = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;

interface SendManyData {
  sendNotifications: { index: number; notification: { id: string } | null; error: { code: string; message: string } | null }[];
}

type Mode = 'raw' | 'batch' | 'single';
const LABELS: Record<Mode, string> = {
  raw: 'raw kafkajs producer.send, batches of 100',
  batch: 'sendNotifications, batches of 100 over HTTP',
  single: 'sendNotification, 50 clients in flight',
};

export async function produceFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.produce;
  const { topic, groupId, url } = ctx.system;
  const recipients = ctx.users.produce;
  let sequence = 0;
  const nextItem = () => {
    const n = sequence++;
    return { recipientId: recipients[n % recipients.length]!, message: `Emma liked your post #${n}.` };
  };

  const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const http = httpGraphQLClient(url, s.singleConcurrency);
  try {
    /** Sends `messages` messages one way; resolves with the elapsed ms. */
    const send: Record<Mode, (messages: number) => Promise<number>> = {
      raw: (messages) =>
        runConcurrently(Math.ceil(messages / s.batchSize), s.batchConcurrency, async () => {
          const batch = Array.from({ length: s.batchSize }, () => {
            const item = nextItem();
            return likeEvent(item.recipientId, item.message);
          });
          await producer.send({ topic, acks: -1, messages: batch });
        }),
      batch: (messages) =>
        runConcurrently(Math.ceil(messages / s.batchSize), s.batchConcurrency, async () => {
          const inputs = Array.from({ length: s.batchSize }, () => ({ senderId: '1', kind: 'LIKE', ...nextItem() }));
          const { sendNotifications } = await http.request<SendManyData>(SEND_MANY, { inputs });
          const failed = sendNotifications.find((result) => result.error !== null);
          if (failed) throw new Error(`sendNotifications: ${failed.error?.code} ${failed.error?.message}`);
        }),
      single: (messages) =>
        runConcurrently(messages, s.singleConcurrency, async () => {
          await http.request(SEND_ONE, { input: { senderId: '1', kind: 'LIKE', ...nextItem() } });
        }),
    };
    const counts: Record<Mode, number> = { raw: s.messages, batch: s.messages, single: s.singles };
    const modes: Mode[] = ['raw', 'batch', 'single'];

    // Warm-up: a tenth of each, then let the consumer store it all.
    for (const mode of modes) await send[mode](Math.max(s.batchSize * s.batchConcurrency, Math.round(counts[mode] / 10)));
    await waitCaughtUp(ctx.admin, groupId, topic);

    const best: Record<Mode, { rate: number; catchUpMs: number; cpu: Record<string, number> } | undefined> = {
      raw: undefined,
      batch: undefined,
      single: undefined,
    };
    for (let round = 0; round < s.rounds; round += 1) {
      for (const mode of modes) {
        const meter = cpuMeter({ server: ctx.host.pid, broker: ctx.brokerPid });
        const elapsedMs = await send[mode](counts[mode]);
        const cpu = meter();
        const caughtUp = performance.now();
        await waitCaughtUp(ctx.admin, groupId, topic);
        const rate = (counts[mode] / elapsedMs) * 1000;
        if (!best[mode] || rate > best[mode].rate) best[mode] = { rate, catchUpMs: performance.now() - caughtUp, cpu };
        ctx.log(`produce round ${round + 1}: ${mode} ${Math.round(rate)} msgs/s`);
      }
    }

    const baselineRate = best.raw!.rate;
    const measurement = (mode: Mode): Measurement => ({
      label: LABELS[mode],
      value: best[mode]!.rate,
      unit: 'msgs/s',
      ...(mode !== 'raw' && { ratio: best[mode]!.rate / baselineRate }),
      extra: { messages: counts[mode], 'store caught up after (ms)': best[mode]!.catchUpMs, ...best[mode]!.cpu },
    });
    return {
      id: 'produce',
      title: '1. Produce throughput',
      ratioNote: '÷ raw kafkajs, higher is better',
      baseline: measurement('raw'),
      measurements: [measurement('batch'), measurement('single')],
      notes: [
        `all onto the system's topic (${ctx.settings.partitions} partitions, key = recipient, acks -1), spread over ${recipients.length} recipients; ` +
          `batches ${s.batchConcurrency} in flight; best of ${s.rounds} interleaved rounds after a warm-up`,
        '"store caught up after": how long after the last acknowledgement the consumer group had committed everything (stored in the inbox)',
        'CPU %: of one core, while sending; "server" is the process running the system (it also consumes and stores meanwhile)',
      ],
      seconds: 0,
    };
  } finally {
    http.close();
    await producer.disconnect();
  }
}
