/**
 * Figure 8, the HTTP trigger API (`POST /v1/notifications`), each mode against a baseline measured
 * in the same rounds:
 * - one notification per request, 50 in flight, on the first store's system, against a bare
 *   `node:http` server answering 200 to the same POST (bench/bare-http.ts, a server process of
 *   its own, the same client and concurrency), and against GraphQL `sendNotification` on the same
 *   system with the same service token, 50 in flight;
 * - 100 notifications per request, 4 in flight, against raw kafkajs `producer.send` of the same
 *   events in batches of 100, 4 in flight, onto the same topic.
 * The modes run interleaved, best of the rounds after a warm-up; after each run on the system the
 * bench waits until its consumer group has stored everything, so no run pays for the previous one.
 */
import { Partitioners } from 'kafkajs';
import { httpGraphQLClient, httpJsonClient, type HttpJsonClient } from '../clients.js';
import type { BenchContext } from '../context.js';
import { cpuMeter } from '../cpu.js';
import type { FigureResult, Measurement } from '../figure.js';
import { likeEvent, waitCaughtUp } from '../kafka-raw.js';
import { STORE_NAMES } from '../settings.js';
import { runConcurrently } from '../stats.js';

const SEND_PATH = '/v1/notifications';
const SEND_ONE = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;

interface Mode {
  name: 'bare' | 'rest-single' | 'graphql-single' | 'rest-batch' | 'raw';
  label: string;
  unit: string;
  count: number;
  /** The server process it loads, for its CPU share. */
  serverPid: number;
  /** Whether it writes onto the system's topic (its consumer must catch up afterwards). */
  produces: boolean;
  send(count: number): Promise<number>;
}

export async function restFigure(ctx: BenchContext): Promise<FigureResult> {
  const s = ctx.settings.rest;
  const recipients = ctx.users.produce;
  const primary = ctx.systems[0]!;
  let sequence = 0;
  const nextItem = () => {
    const n = sequence++;
    return { recipientId: recipients[n % recipients.length]!, kind: 'like', message: `Emma liked your post #${n}.`, senderId: '1' };
  };

  const bareHost = await ctx.spawnHost();
  const producer = ctx.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  const clients: { close(): void }[] = [];
  try {
    const { url: bareUrl } = await bareHost.startBareHttp();
    await producer.connect();
    const bare = httpJsonClient(bareUrl, s.singleConcurrency);
    const rest = httpJsonClient(primary.system.url, s.singleConcurrency);
    const graphql = httpGraphQLClient(primary.system.url, s.singleConcurrency);
    clients.push(bare, rest, graphql);

    const singles = (client: HttpJsonClient, expect: number) => (requests: number) =>
      runConcurrently(requests, s.singleConcurrency, async () => {
        await client.post(SEND_PATH, JSON.stringify(nextItem()), expect);
      });
    const modes: Mode[] = [
      {
        name: 'bare',
        label: `bare node:http answering 200 to the same POST, ${s.singleConcurrency} in flight`,
        unit: 'req/s',
        count: s.singles,
        serverPid: bareHost.pid,
        produces: false,
        send: singles(bare, 200),
      },
      {
        name: 'rest-single',
        label: `POST ${SEND_PATH}, one per request, ${s.singleConcurrency} in flight (${STORE_NAMES[primary.store]})`,
        unit: 'msgs/s',
        count: s.singles,
        serverPid: primary.host.pid,
        produces: true,
        send: singles(rest, 201),
      },
      {
        name: 'graphql-single',
        label: `GraphQL sendNotification, ${s.singleConcurrency} in flight (${STORE_NAMES[primary.store]})`,
        unit: 'msgs/s',
        count: s.singles,
        serverPid: primary.host.pid,
        produces: true,
        send: (messages) =>
          runConcurrently(messages, s.singleConcurrency, async () => {
            await graphql.request(SEND_ONE, { input: nextItem() });
          }),
      },
      {
        name: 'raw',
        label: `raw kafkajs producer.send, batches of ${s.batchSize}, ${s.batchConcurrency} in flight`,
        unit: 'msgs/s',
        count: s.messages,
        serverPid: primary.host.pid,
        produces: true,
        send: (messages) =>
          runConcurrently(Math.ceil(messages / s.batchSize), s.batchConcurrency, async () => {
            const batch = Array.from({ length: s.batchSize }, () => {
              const item = nextItem();
              return likeEvent(item.recipientId, item.message);
            });
            await producer.send({ topic: primary.system.topic, acks: -1, messages: batch });
          }),
      },
      {
        name: 'rest-batch',
        label: `POST ${SEND_PATH}, ${s.batchSize} per request, ${s.batchConcurrency} in flight (${STORE_NAMES[primary.store]})`,
        unit: 'msgs/s',
        count: s.messages,
        serverPid: primary.host.pid,
        produces: true,
        send: (messages) =>
          runConcurrently(Math.ceil(messages / s.batchSize), s.batchConcurrency, async () => {
            const body = JSON.stringify({ notifications: Array.from({ length: s.batchSize }, nextItem) });
            const text = await rest.post(SEND_PATH, body, 200);
            // A failed item carries an error member; a sent one only its notification.
            if (text.includes('"error":')) throw new Error(`POST ${SEND_PATH} batch: ${text.slice(0, 300)}`);
          }),
      },
    ];
    const caughtUp = () => waitCaughtUp(ctx.admin, primary.system.groupId, primary.system.topic);

    // Warm-up: a tenth of each, then let the consumer store it all.
    for (const mode of modes) await mode.send(Math.max(s.batchSize * s.batchConcurrency, Math.round(mode.count / 10)));
    await caughtUp();

    const best = new Map<Mode['name'], { rate: number; catchUpMs?: number; cpu: Record<string, number> }>();
    for (let round = 0; round < s.rounds; round += 1) {
      for (const mode of modes) {
        const meter = cpuMeter({ server: mode.serverPid, broker: ctx.brokerPid });
        const elapsedMs = await mode.send(mode.count);
        const cpu = meter();
        const sentAt = performance.now();
        if (mode.produces) await caughtUp();
        const rate = (mode.count / elapsedMs) * 1000;
        if (rate > (best.get(mode.name)?.rate ?? 0)) {
          best.set(mode.name, { rate, cpu, ...(mode.produces && { catchUpMs: performance.now() - sentAt }) });
        }
        ctx.log(`rest round ${round + 1}: ${mode.name} ${Math.round(rate)} /s (server CPU ${Math.round(cpu['server CPU %'] ?? 0)} %)`);
      }
    }

    const rateOf = (name: Mode['name']) => best.get(name)!.rate;
    const measurement = (name: Mode['name'], baseline?: Mode['name']): Measurement => {
      const mode = modes.find((m) => m.name === name)!;
      const result = best.get(name)!;
      return {
        label: mode.label,
        value: result.rate,
        unit: mode.unit,
        ...(baseline !== undefined && { ratio: result.rate / rateOf(baseline) }),
        extra: {
          count: mode.count,
          ...(result.catchUpMs !== undefined && { 'store caught up after (ms)': result.catchUpMs }),
          ...result.cpu,
          // CPU % of one core ÷ per second = core-µs per request or message: what each costs the server, less noisy than the rate.
          ...(result.cpu['server CPU %'] !== undefined && { 'server CPU µs each': (result.cpu['server CPU %'] * 10_000) / result.rate }),
        },
      };
    };
    const restSingle = rateOf('rest-single');
    return {
      id: 'rest',
      title: '8. HTTP trigger API',
      ratioNote: `one per request ÷ bare node:http; GraphQL sendNotification ÷ bare node:http; ${s.batchSize} per request ÷ raw kafkajs; higher is better`,
      baseline: measurement('bare'),
      measurements: [measurement('rest-single', 'bare'), measurement('graphql-single', 'bare'), measurement('raw'), measurement('rest-batch', 'raw')],
      notes: [
        `POST ${SEND_PATH} one per request ÷ GraphQL sendNotification: ${(restSingle / rateOf('graphql-single')).toFixed(2)}× (the same system, token and ${s.singleConcurrency} in flight)`,
        `the same keep-alive node:http client for the API and the bare server, with the same service token and body; ` +
          `each onto the system's topic (${ctx.settings.partitions} partitions, key = recipient, acks -1), spread over ${recipients.length} recipients`,
        `best of ${s.rounds} interleaved rounds after a warm-up; "store caught up after": how long after the last answer the consumer group had stored everything`,
        'CPU %: of one core, while sending; "server" is the process answering (the system also consumes and stores meanwhile); "server CPU µs each": its CPU time per request (bare, one per request) or per notification',
      ],
      seconds: 0,
      keys: {
        bareHttpPerSec: rateOf('bare'),
        restSendPerSec: restSingle,
        restGraphqlSendPerSec: rateOf('graphql-single'),
        restBatchPerSec: rateOf('rest-batch'),
        restRawProducePerSec: rateOf('raw'),
      },
    };
  } finally {
    for (const client of clients) client.close();
    await producer.disconnect();
    await bareHost.close();
  }
}
