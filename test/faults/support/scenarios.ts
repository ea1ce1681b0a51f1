/** The faults themselves, shared by the quick run (`npm test`) and the full suite (`npm run test:faults`). */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { encodeEvent } from '../../../src/notifications/event.js';
import type { JsonValue } from '../../../src/notifications/notification.js';
import type { TestRedis } from '../../support/redis-server.js';
import type { AppHandle } from './app.js';
import type { KafkaNode } from './kafka-cluster.js';
import type { LocalPostgres } from './postgres.js';
import type { ScenarioContext } from './scenario.js';

/** Scenario 1: `kill -9` of the app mid-load, then start it again. */
export function killApp() {
  return async (ctx: ScenarioContext) => {
    await ctx.fault('kill -9 app, restart', async (ended) => {
      const victim = ctx.app.current();
      ctx.app.expectExit();
      victim.signal('SIGKILL');
      await victim.exited;
      ctx.app.start();
      ended();
    });
  };
}

/** Scenario 2: `kill -9` of the (only) broker mid-load, down for `downMs`, then started again; the app is not restarted. */
export function killBroker(node: KafkaNode, downMs: number) {
  return async (ctx: ScenarioContext) => {
    await ctx.fault(`kill -9 broker, ${downMs / 1000} s down, restart`, async (ended) => {
      await node.kill('SIGKILL');
      await ctx.steady(downMs);
      const began = Date.now();
      await node.restart();
      ctx.note(`the broker answered again ${Date.now() - began} ms after its restart began`);
      ended();
    });
  };
}

/** Scenario 3: on a three-broker cluster, the broker holding the group coordinator killed for good. */
export function killClusterNode(nodes: KafkaNode[], admin: () => Kafka) {
  return async (ctx: ScenarioContext) => {
    const kafka = admin();
    const client = kafka.admin();
    await client.connect();
    let victim: KafkaNode | undefined;
    try {
      // offsets.topic.num.partitions=1: the leader of __consumer_offsets-0 is every group's coordinator.
      const metadata = await client.fetchTopicMetadata({ topics: ['__consumer_offsets'] });
      const leader = metadata.topics[0]?.partitions[0]?.leader;
      victim = nodes.find((node) => node.id === leader) ?? nodes[0];
      ctx.note(`killing broker ${victim?.id} (the group coordinator) for good`);
    } finally {
      await client.disconnect();
    }
    const target = victim;
    if (!target) throw new Error('no broker to kill');
    await ctx.fault(`kill -9 broker ${target.id} for good`, async (ended) => {
      await target.kill('SIGKILL');
      ended();
    });
  };
}

/** The min ISR the app does not set (it creates topics with KAFKA_REPLICATION_FACTOR only), set by the test. */
export async function requireMinIsr(kafka: Kafka, topics: string[], minIsr: number): Promise<{ replication: Record<string, number>; minIsr: Record<string, string | undefined>; before: Record<string, string | undefined>; appSetIt: boolean }> {
  const client = kafka.admin();
  await client.connect();
  try {
    const before = await client.describeConfigs({ resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })), includeSynonyms: false });
    const valueOf = (resource: (typeof before.resources)[number]) => resource.configEntries.find((entry) => entry.configName === 'min.insync.replicas')?.configValue;
    const appSetIt = before.resources.every((resource) => valueOf(resource) === String(minIsr));
    await client.alterConfigs({
      validateOnly: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configEntries: [{ name: 'min.insync.replicas', value: String(minIsr) }] })),
    });
    const after = await client.describeConfigs({ resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })), includeSynonyms: false });
    const metadata = await client.fetchTopicMetadata({ topics });
    return {
      appSetIt,
      before: Object.fromEntries(before.resources.map((resource) => [resource.resourceName, valueOf(resource)])),
      replication: Object.fromEntries(metadata.topics.map((topic) => [topic.name, Math.min(...topic.partitions.map((p) => p.replicas.length))])),
      minIsr: Object.fromEntries(after.resources.map((resource) => [resource.resourceName, resource.configEntries.find((entry) => entry.configName === 'min.insync.replicas')?.configValue])),
    };
  } finally {
    await client.disconnect();
  }
}

/** Scenario 4: PostgreSQL stopped (`pg_ctl stop -m fast`) for `downMs`, `times` times, with load flowing between. */
export function stopPostgres(pg: LocalPostgres, { times, downMs, betweenMs }: { times: number; downMs: number; betweenMs: number }) {
  return async (ctx: ScenarioContext) => {
    for (let round = 1; round <= times; round += 1) {
      await ctx.fault(`PostgreSQL stop -m fast #${round}, ${downMs / 1000} s down`, async (ended) => {
        await pg.stop('fast');
        await ctx.steady(downMs);
        await pg.start();
        ended();
      });
      if (round < times) await ctx.steady(betweenMs);
    }
  };
}

/** Scenario 5: the app paused (SIGSTOP) for `pausedMs`, then SIGCONT. */
export function pauseApp(pausedMs: number) {
  return async (ctx: ScenarioContext) => {
    await ctx.fault(`SIGSTOP app for ${pausedMs / 1000} s, SIGCONT`, async (ended) => {
      const app = ctx.app.current();
      app.signal('SIGSTOP');
      await ctx.steady(pausedMs);
      app.signal('SIGCONT');
      ended();
    });
  };
}

/** Scenario 7: SIGTERM mid-load; the app must exit by itself, cleanly and in bounded time; then start it again. */
export function sigtermApp(shutdownBoundMs: number) {
  return async (ctx: ScenarioContext) => {
    await ctx.fault('SIGTERM app, restart', async (ended) => {
      const app = ctx.app.current();
      ctx.app.expectExit();
      const began = Date.now();
      app.signal('SIGTERM');
      // Past the bound the process is killed, so the scenario goes on; the requirement fails.
      const killer = setTimeout(() => app.signal('SIGKILL'), shutdownBoundMs);
      const exit = await app.exited;
      clearTimeout(killer);
      const tookMs = exit.at - began;
      ctx.require(`after SIGTERM the app exits with code 0 within ${shutdownBoundMs / 1000} s`, exit.code === 0 && tookMs <= shutdownBoundMs, `${exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`} after ${tookMs} ms`);
      ctx.app.start();
      ended();
    });
  };
}

export interface Poison {
  name: string;
  key: string;
  value: string;
}

/** Events no valid producer writes, on every recipient's key (so on every partition in use). */
export function poisonEvents(recipients: string[]): Poison[] {
  const valid = (recipientId: string, data: JsonValue | null) =>
    encodeEvent({
      id: randomUUID(),
      senderId: recipientId === '1' ? '2' : '1',
      recipientId,
      kind: 'mention',
      message: 'poison',
      link: null,
      data,
      createdAt: new Date(),
    });
  return recipients.flatMap((to) => {
    const other = recipients.find((id) => id !== to) ?? to;
    const surrogate = valid(to, { x: 'MARK' });
    const nul = valid(to, { x: 'MARK' });
    const deep = valid(to, 'MARK');
    return [
      { name: `not JSON (key ${to})`, key: to, value: `not json at all ${randomUUID()}` },
      { name: `wrong fields (key ${to})`, key: to, value: JSON.stringify({ v: 1, id: randomUUID(), to, hello: 'world' }) },
      { name: `key is not the recipient (key ${to})`, key: to, value: valid(other, null).value },
      // Written raw: JSON escapes that decode into a lone surrogate and a NUL inside `data`.
      { name: `lone surrogate in data (key ${to})`, key: to, value: surrogate.value.replace('"MARK"', '"\\ud800"') },
      { name: `NUL in data (key ${to})`, key: to, value: nul.value.replace('"MARK"', '"a\\u0000b"') },
      { name: `data nested 2,500 deep (key ${to})`, key: to, value: deep.value.replace('"MARK"', `${'['.repeat(2500)}${']'.repeat(2500)}`) },
    ];
  });
}

/** Scenario 6: poison written straight to the topic mid-load; all of it must reach `<topic>.dlq`, and the load keep flowing. */
export function poison(brokers: string[], recipients: string[], dlqBoundMs: number) {
  return async (ctx: ScenarioContext) => {
    const kafka = new Kafka({ clientId: 'faults-poison', brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const events = poisonEvents(recipients);
    await producer.connect();
    try {
      await ctx.fault(`${events.length} poison events written to the topic`, async (ended) => {
        await producer.send({ topic: ctx.topic, acks: -1, messages: events.map(({ key, value }) => ({ key, value })) });
        ended();
      });
    } finally {
      await producer.disconnect();
    }
    const wanted = new Map(events.map((event) => [event.value, event.name]));
    const letters = await readDeadLetters(kafka, `${ctx.topic}.dlq`, new Set(wanted.keys()), dlqBoundMs);
    const missing = [...wanted].filter(([value]) => !letters.has(value)).map(([, name]) => name);
    ctx.require(
      `every poison event is in ${ctx.topic}.dlq within ${dlqBoundMs / 1000} s`,
      missing.length === 0,
      missing.length ? `missing ${missing.length}: ${missing.join('; ')}` : `${letters.size} dead letters; x-error: ${[...new Set(letters.values())].join(' | ').slice(0, 500)}`,
    );
  };
}

/** Reads the dead-letter topic from the start until every wanted value is there, or the bound. */
async function readDeadLetters(kafka: Kafka, topic: string, wanted: Set<string>, timeoutMs: number): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const consumer = kafka.consumer({ groupId: `faults-dlq-reader-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const value = message.value?.toString('utf8') ?? '';
          if (!wanted.has(value)) return;
          found.set(value, String(message.headers?.['x-error'] ?? ''));
          if (found.size === wanted.size) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}

/** /ready as a load balancer polls it (there is no event to wait on), until `check` holds. */
async function readyUntil(app: AppHandle, check: (status: number, body: string) => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const response = await fetch(new URL('/ready', app.url), { signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
    if (response && check(response.status, await response.text())) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/**
 * Scenario 8: two instances sharing Redis, `kill -9` of Redis for `downMs`, then restarted empty.
 * The subscribers (on the second instance) must get everything without opening a new socket, and
 * what was stored while Redis was away within `catchUpBoundMs` of it answering again.
 */
export function killRedis(redis: TestRedis, { downMs, catchUpBoundMs }: { downMs: number; catchUpBoundMs: number }) {
  return async (ctx: ScenarioContext) => {
    const instances = [ctx.app, ...(ctx.second ? [ctx.second] : [])];
    let backAt = 0;
    let ackedWhileDown: string[] = [];
    await ctx.fault(`kill -9 Redis, ${downMs / 1000} s down, restarted empty`, async (ended) => {
      await redis.kill();
      const start = Date.now();
      const degraded = await Promise.all(instances.map((app) => readyUntil(app, (status, body) => status === 200 && body.includes('"degraded":["pubsub"]'), downMs)));
      ctx.require('/ready says 200 with "degraded":["pubsub"] on both instances while Redis is away', degraded.every(Boolean));
      await ctx.steady(Math.max(0, downMs - (Date.now() - start)));
      await redis.restart();
      backAt = Date.now();
      ackedWhileDown = ctx.load.acked().filter((record) => (record.ackedAt ?? Infinity) < backAt).map((record) => record.id as string);
      ended();
    });
    // Everything acknowledged before Redis came back, on every subscriber, with no new socket.
    const caughtUp = await Promise.all(
      ctx.subscribers.map((subscriber) =>
        subscriber.waitForAll(
          ackedWhileDown.filter((id) => ctx.load.acked().some((record) => record.id === id && record.recipientId === subscriber.userId)),
          catchUpBoundMs * 10,
        ),
      ),
    );
    const catchUpMs = Date.now() - backAt;
    ctx.note(`every notification acknowledged before Redis came back was pushed ${catchUpMs} ms after it answered`);
    ctx.require(`what was stored while Redis was away was pushed within ${catchUpBoundMs} ms of it answering again`, caughtUp.every(Boolean) && catchUpMs <= catchUpBoundMs, `${catchUpMs} ms`);
    const sockets = ctx.subscribers.map((subscriber) => subscriber.connections());
    ctx.require('no subscriber had to open a new socket (the feeds caught up by themselves)', sockets.every((count) => count === 1), JSON.stringify(sockets));
    const back = await Promise.all(instances.map((app) => readyUntil(app, (status, body) => status === 200 && !body.includes('degraded'), 10_000)));
    ctx.require('/ready drops the detail once Redis is back', back.every(Boolean));
  };
}

/** Log lines about a part, per instance and message, to hold against "one line each way". */
export function linesAbout(app: AppHandle, pattern: RegExp): Record<string, number> {
  return Object.fromEntries(app.logSummary().filter((entry) => pattern.test(entry.msg)).map((entry) => [`[${entry.level}] ${entry.msg}`, entry.count]));
}
