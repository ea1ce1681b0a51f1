/**
 * Figure 1, produce throughput. The same LIKE events go onto a system's own topic: raw kafkajs
 * `producer.send` (batches of 100, acks -1: the baseline of the batches), `sendNotifications`
 * (batches of 100 over HTTP) on every store's system, and `sendNotification` (one per request, 50
 * in flight, which the service's producer merges into micro-batches) on the first store's. The
 * baseline of the single sends is the same server answering `{ __typename }` with the same auth
 * header, 50 in flight: what any request costs there before the mutation does anything. Each
 * system stores what it gets meanwhile; the bench waits until it has caught up after each run, so
 * no run pays for the last.
 */
import { Partitioners } from 'kafkajs';
import { httpGraphQLClient, type HttpGraphQLClient } from '../clients.js';
import type { BenchContext, StoreSystem } from '../context.js';
import { cpuMeter } from '../cpu.js';
import { likeEvent, waitCaughtUp } from '../kafka-raw.js';
import type { FigureResult, Measurement } from '../figure.js';
import { STORE_NAMES } from '../settings.js';
import { runConcurrently } from '../stats.js';

const SEND_MANY = /* GraphQL */ `
  mutation SendMany($inputs: [SendNotificationInput!]!) {
    sendNotifications(inputs: $inputs) { index notification { id } error { code message } }
  }
`;
const SEND_ONE = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;
const TYPENAME = '{ __typename }';

interface SendManyData {
  sendNotifications: { index: number; notification: { id: string } | null; error: { code: string; message: string } | null }[];
}

interface Mode {
  name: string;
  label: string;
  count: number;
  /** The system it loads: its consumer must catch up after the run, and its process's CPU is shown. */
  target: StoreSystem;
  send(count: number): Promise<number>;
}

interface Best {
  rate: number;
  catchUpMs: number;
  cpu: Record<string, number>;
}

export async function produceFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.produce;
  const recipients = ctx.users.produce;
  const primary = ctx.systems[0]!;
  let sequence = 0;
  const nextItem = () => {
    const n = sequence++;
    return { recipientId: recipients[n % recipients.length]!, message: `Emma liked your post #${n}.` };
  };

  const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  const clients = new Map<StoreSystem, HttpGraphQLClient>(ctx.systems.map((target) => [target, httpGraphQLClient(target.system.url, s.singleConcurrency)]));
  const client = (target: StoreSystem) => clients.get(target)!;
  try {
    const batches = (target: StoreSystem) => (messages: number) =>
      runConcurrently(Math.ceil(messages / s.batchSize), s.batchConcurrency, async () => {
        const inputs = Array.from({ length: s.batchSize }, () => ({ senderId: '1', kind: 'like', ...nextItem() }));
        const { sendNotifications } = await client(target).request<SendManyData>(SEND_MANY, { inputs });
        const failed = sendNotifications.find((result) => result.error !== null);
        if (failed) throw new Error(`sendNotifications: ${failed.error?.code} ${failed.error?.message}`);
      });
    const modes: Mode[] = [
      {
        name: 'raw',
        label: 'raw kafkajs producer.send, batches of 100',
        count: s.messages,
        target: primary,
        send: (messages) =>
          runConcurrently(Math.ceil(messages / s.batchSize), s.batchConcurrency, async () => {
            const batch = Array.from({ length: s.batchSize }, () => {
              const item = nextItem();
              return likeEvent(item.recipientId, item.message);
            });
            await producer.send({ topic: primary.system.topic, acks: -1, messages: batch });
          }),
      },
      ...ctx.systems.map((target) => ({
        name: `batch-${target.store}`,
        label: `sendNotifications, batches of 100 over HTTP (${STORE_NAMES[target.store]})`,
        count: s.messages,
        target,
        send: batches(target),
      })),
      {
        name: 'typename',
        label: `{ __typename } on the same server, ${s.singleConcurrency} in flight`,
        count: s.singles,
        target: primary,
        send: (requests) =>
          runConcurrently(requests, s.singleConcurrency, async () => {
            await client(primary).request(TYPENAME);
          }),
      },
      {
        name: 'single',
        label: `sendNotification, ${s.singleConcurrency} clients in flight (${STORE_NAMES[primary.store]})`,
        count: s.singles,
        target: primary,
        send: (messages) =>
          runConcurrently(messages, s.singleConcurrency, async () => {
            await client(primary).request(SEND_ONE, { input: { senderId: '1', kind: 'like', ...nextItem() } });
          }),
      },
    ];
    const caughtUp = async (target: StoreSystem) => waitCaughtUp(ctx.admin, target.system.groupId, target.system.topic);

    // Warm-up: a tenth of each, then let the consumers store it all.
    for (const mode of modes) await mode.send(Math.max(s.batchSize * s.batchConcurrency, Math.round(mode.count / 10)));
    for (const target of ctx.systems) await caughtUp(target);

    const best = new Map<string, Best>();
    for (let round = 0; round < s.rounds; round += 1) {
      for (const mode of modes) {
        const meter = cpuMeter({ server: mode.target.host.pid, broker: ctx.brokerPid });
        const elapsedMs = await mode.send(mode.count);
        const cpu = meter();
        const sentAt = performance.now();
        await caughtUp(mode.target);
        const rate = (mode.count / elapsedMs) * 1000;
        const previous = best.get(mode.name);
        if (!previous || rate > previous.rate) best.set(mode.name, { rate, catchUpMs: performance.now() - sentAt, cpu });
        ctx.log(`produce round ${round + 1}: ${mode.name} ${Math.round(rate)} /s`);
      }
    }

    const rateOf = (name: string) => best.get(name)!.rate;
    const measurement = (mode: Mode, baseline?: string): Measurement => {
      const result = best.get(mode.name)!;
      return {
        label: mode.label,
        value: result.rate,
        unit: mode.name === 'typename' ? 'req/s' : 'msgs/s',
        ...(baseline !== undefined && { ratio: result.rate / rateOf(baseline) }),
        extra: { count: mode.count, ...(mode.name !== 'typename' && { 'store caught up after (ms)': result.catchUpMs }), ...result.cpu },
      };
    };
    const byName = (name: string) => modes.find((mode) => mode.name === name)!;
    const keys: Record<string, number> = {
      rawProducePerSec: rateOf('raw'),
      typenamePerSec: rateOf('typename'),
      sendPerSec: rateOf('single'),
    };
    for (const target of ctx.systems) keys[target.store === 'pg' ? 'batchPerSecPg' : 'batchPerSecPglite'] = rateOf(`batch-${target.store}`);
    return {
      id: 'produce',
      title: '1. Produce throughput',
      ratioNote: 'batches ÷ raw kafkajs; sendNotification ÷ { __typename }; higher is better',
      baseline: measurement(byName('raw')),
      measurements: [
        ...ctx.systems.map((target) => measurement(byName(`batch-${target.store}`), 'raw')),
        measurement(byName('typename')),
        measurement(byName('single'), 'typename'),
      ],
      notes: [
        `each onto its system's topic (${ctx.settings.partitions} partitions, key = recipient, acks -1), spread over ${recipients.length} recipients; ` +
          `batches ${s.batchConcurrency} in flight; best of ${s.rounds} interleaved rounds after a warm-up`,
        `sendNotification's ratio is to { __typename } on the same server with the same service token (${s.singleConcurrency} in flight, keep-alive): the cost of any request there`,
        '"store caught up after": how long after the last acknowledgement the consumer group had committed everything (stored in the inbox)',
        'CPU %: of one core, while sending; "server" is the process running the system (it also consumes and stores meanwhile)',
      ],
      seconds: 0,
      keys,
    };
  } finally {
    for (const http of clients.values()) http.close();
    await producer.disconnect();
  }
}
