/**
 * A Redis outage between two instances (the quick form of the fault suite's Redis scenario):
 * notifications sent and stored while Redis is away reach every open feed on both instances,
 * in order and once, on the sockets they already had, once Redis is back; the badge stream says
 * RESYNC with the right count; /ready, the metrics and the log say what happened, once each way.
 */
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { metricsUntil, readMetrics, sample } from '../support/metrics.js';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const USERS = Array.from({ length: 6 }, (_, i) => ({ id: `blip${i}`, name: `Blip ${i}` }));
const DURING_OUTAGE = 5;

interface LogLine {
  level: number;
  msg: string;
}

function capturingLogger() {
  const lines: LogLine[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

const SEND = 'mutation($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id } } }';
const ADDED = 'subscription($u: ID!) { notificationAdded(userId: $u) { id seq message } }';
const CHANGED = 'subscription($u: ID!) { notificationsChanged(userId: $u) { action unreadCount } }';

async function send(url: string, round: string): Promise<string[]> {
  const sent = await graphqlData<{ sendNotifications: { notification: { id: string } | null }[] }>(url, SEND, {
    inputs: USERS.map((user) => ({ senderId: '1', recipientId: user.id, kind: 'mention', message: `${round} ${user.id}` })),
  });
  return sent.sendNotifications.map((result) => {
    if (!result.notification) throw new Error('a send was refused');
    return result.notification.id;
  });
}

/** /ready as a load balancer polls it, until it says what the test waits for. */
async function readyUntil(system: TestSystem, check: (status: number, body: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(new URL('/ready', system.url));
    const body = await response.text();
    if (check(response.status, body)) return body;
    if (Date.now() > deadline) throw new Error(`/ready never said ${what}; last: ${response.status} ${body}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The store has no event to wait on across instances: its count is polled, as a client would. */
async function storedCount(url: string, userId: string, expected: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { notifications } = await graphqlData<{ notifications: { totalCount: number } }>(url, 'query($u: ID!) { notifications(userId: $u) { totalCount } }', { u: userId });
    if (notifications.totalCount >= expected) return;
    if (Date.now() > deadline) throw new Error(`${userId} has ${notifications.totalCount} stored, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a Redis outage between two instances', () => {
  let redis: TestRedis | undefined;
  let a: TestSystem | undefined;
  let b: TestSystem | undefined;
  const clients: ReturnType<typeof wsClient>[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.dispose()));
    await b?.dispose({ keepData: true });
    await a?.dispose();
    await redis?.stop();
  });

  it('every open feed catches up by itself when Redis is back; RESYNC carries the right count; one log line each way', { timeout: 90_000 }, async () => {
    redis = await startTestRedis();
    const logA = capturingLogger();
    const logB = capturingLogger();
    a = await startTestSystem({ store: 'postgres', env: { REDIS_URL: redis.url }, log: logA.log });
    await a.store.seedUsers(USERS);
    b = await startTestSystem({ reuse: a.handle, env: { REDIS_URL: redis.url }, log: logB.log });
    await Promise.all([waitUntilReady(a), waitUntilReady(b)]);

    // Each recipient's partition is consumed by one of the two: its subscriber on the other
    // instance only gets what crosses Redis, or what it catches up from the store.
    const connected = new Map<ReturnType<typeof wsClient>, number>();
    const feeds = [a, b].flatMap((system) =>
      USERS.map((user) => {
        const client = wsClient(system.wsUrl);
        clients.push(client);
        connected.set(client, 0);
        client.on('connected', () => connected.set(client, (connected.get(client) ?? 0) + 1));
        return { userId: user.id, feed: wsSubscribe<{ notificationAdded: { id: string; seq: number } }>(client, ADDED, { u: user.id }) };
      }),
    );
    const badgeClient = wsClient(b.wsUrl);
    clients.push(badgeClient);
    const badge = wsSubscribe<{ notificationsChanged: { action: string; unreadCount: number } }>(badgeClient, CHANGED, { u: USERS[0]!.id });

    // graphql-ws does not acknowledge a subscription: the servers' gauges say when all listen.
    await Promise.all(
      [a, b].map((system) =>
        metricsUntil(
          system.metricsUrl,
          (samples) =>
            sample(samples, 'notify_subscriptions_active', { field: 'notificationAdded' }) === USERS.length &&
            sample(samples, 'notify_subscriptions_active', { field: 'notificationsChanged' }) === (system === b ? 1 : 0),
          'every subscription running',
        ),
      ),
    );

    const received = new Map(feeds.map(({ feed }) => [feed, [] as { id: string; seq: number }[]]));
    const readUntil = async (count: number) =>
      Promise.all(
        feeds.map(async ({ feed }) => {
          const got = received.get(feed)!;
          while (got.length < count) got.push((await feed.next()).data!.notificationAdded);
        }),
      );

    // Live before the outage: every feed gets the first round.
    const firstRound = await send(a.url, 'before');
    await readUntil(1);
    expect((await badge.next()).data!.notificationsChanged.action).toBe('ADDED');

    await redis.kill();
    for (const system of [a, b]) {
      const body = await readyUntil(system, (status, text) => status === 200 && text.includes('pubsub'), 'degraded: pubsub');
      expect(JSON.parse(body)).toEqual({ ready: true, degraded: ['pubsub'] });
    }

    // While Redis is away: sends are acknowledged and stored, queries answer, the inbox changes.
    const during: string[][] = [];
    for (let round = 0; round < DURING_OUTAGE; round += 1) during.push(await send(a.url, `during-${round}`));
    const userIndex = 0;
    await graphqlData(a.url, 'mutation($u: ID!, $ids: [ID!]!) { markNotificationsRead(userId: $u, ids: $ids) { action } }', {
      u: USERS[userIndex]!.id,
      ids: [firstRound[userIndex], during[0]![userIndex]],
    });
    await Promise.all(USERS.map((user) => storedCount(b!.url, user.id, 1 + DURING_OUTAGE)));

    await redis.restart();

    // Every feed, on both instances, gets everything, in seq order, once, on its first socket.
    await readUntil(1 + DURING_OUTAGE);
    for (const { userId, feed } of feeds) {
      const got = received.get(feed)!;
      const index = USERS.findIndex((user) => user.id === userId);
      expect(got.map((n) => n.id)).toEqual([firstRound[index], ...during.map((round) => round[index])]);
      expect(got.map((n) => n.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect([...connected.values()].every((count) => count === 1)).toBe(true);

    // The badge stream: a RESYNC whose absolute count is the store's (6 stored, 2 read).
    for (;;) {
      const change = (await badge.next()).data!.notificationsChanged;
      if (change.action === 'RESYNC' && change.unreadCount === 1 + DURING_OUTAGE - 2) break;
    }

    for (const system of [a, b]) await readyUntil(system, (status, text) => status === 200 && !text.includes('pubsub'), 'ready without detail');
    const [metricsA, metricsB] = await Promise.all([readMetrics(a.metricsUrl), readMetrics(b.metricsUrl)]);
    const both = (name: string, labels: Record<string, string> = {}) => sample(metricsA, name, labels) + sample(metricsB, name, labels);
    expect(both('notify_pubsub_up')).toBe(2);
    // Each recipient's instance delivered the outage's notifications to its own feed at once; the
    // other instance's feed caught every one of them up from the store.
    expect(both('notify_notifications_pushed_total', { source: 'catchup' })).toBeGreaterThanOrEqual(USERS.length * DURING_OUTAGE);
    expect(both('notify_pubsub_publish_failures_total')).toBeGreaterThanOrEqual(USERS.length * DURING_OUTAGE);
    expect(both('notify_pubsub_resyncs_total')).toBeGreaterThanOrEqual(2);

    // One line when Redis went, one when it came back, per instance; nothing per event.
    for (const { lines } of [logA, logB]) {
      const redisLines = lines.filter((line) => /redis pub\/sub/i.test(line.msg));
      expect(redisLines.map((line) => line.msg.split(';')[0])).toEqual(['Redis pub/sub is unavailable', 'Redis pub/sub is back']);
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    }
  });
});
