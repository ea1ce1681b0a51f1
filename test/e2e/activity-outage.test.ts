/**
 * The outbox's promise, on the real store and broker: inbox changes committed while Kafka cannot
 * take them stay in the outbox (the relay retrying with backoff, the outage logged once, nothing
 * deleted), and the process stopping with them there loses none: the next process on the same
 * store produces every one, once, in order. A refused change is never told.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import type { NewNotification } from '../../src/notifications/notification.js';
import { readActivityTopic } from '../support/activity-topic.js';
import { userToken } from '../support/auth.js';
import { graphql } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { readMetrics, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

let system: TestSystem | undefined;
let reader: Awaited<ReturnType<typeof readActivityTopic>> | undefined;
afterAll(async () => {
  await reader?.stop();
  await system?.dispose();
});

const closedPort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const metrics = (url: string) => readMetrics(new URL('/metrics', url).href);

it('keeps changes committed while Kafka is away, and the next process produces each once, in order', { timeout: 120_000 }, async () => {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
  system = await startTestSystem({ store: 'postgres', brokers: [`127.0.0.1:${await closedPort()}`], env: { KAFKA_SEND_TIMEOUT_MS: '1000' }, log });

  // Kafka is away, so the notifications go into the store directly, as the consumer would have put them.
  const [user, stranger] = [`outage-${randomUUID().slice(0, 8)}`, `outage-${randomUUID().slice(0, 8)}`];
  const make = (recipientId: string): NewNotification => ({
    id: randomUUID(),
    senderId: '1',
    recipientId,
    kind: 'comment',
    message: 'kept through an outage',
    link: null,
    data: null,
    createdAt: new Date(),
  });
  const [a, b, c] = (await system.store.insertNotifications([make(user), make(user), make(user)])).map((n) => n.id) as [string, string, string];
  const [foreign] = (await system.store.insertNotifications([make(stranger)])).map((n) => n.id);
  const token = await userToken(user);
  const change = (mutation: string, ids: string[]) => graphql(system!.url, `mutation ($ids: [ID!]!) { ${mutation}(ids: $ids) { action } }`, { ids }, { token });

  expect((await change('markNotificationsRead', [a, b])).errors).toBeUndefined();
  expect((await change('archiveNotifications', [c])).errors).toBeUndefined();
  expect((await change('deleteNotifications', [a])).errors).toBeUndefined();
  // Refused as a whole (not this user's): nothing changed, nothing told.
  expect((await change('markNotificationsRead', [b, foreign!])).errors?.[0]?.extensions?.code).toBe('NOTIFICATION_NOT_FOUND');

  // The relay has tried and given each page back more than once: retried, logged once, nothing deleted.
  const url = system.url;
  await expect
    .poll(async () => sample(await metrics(url), 'notify_store_duration_seconds_count', { operation: 'releaseActivity', outcome: 'ok' }), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  expect(sample(await metrics(url), 'notify_activity_outbox_rows')).toBe(4);
  expect(sample(await metrics(url), 'notify_activity_events_produced_total')).toBe(0);
  expect(lines.filter((line) => /activity relay/i.test(line.msg)).map((line) => [line.level, line.msg])).toEqual([
    [40, 'Activity relay (changes wait in the outbox) is unavailable; further failures are only counted until it is back'],
  ]);

  // The process goes with the changes still in the outbox; the next one starts on the same store, Kafka back.
  const handle = system.handle;
  await system.dispose({ keepData: true });
  system = await startTestSystem({ reuse: handle });
  await waitUntilReady(system);
  reader = await readActivityTopic(testBrokers(), `${handle.topic}.activity`);

  // A change made now comes after them on the recipient's partition: once it is here, all are.
  expect((await change('unarchiveNotifications', [c])).errors).toBeUndefined();
  const ofUser = () => reader!.received.filter((message) => message.activity.userId === user);
  await reader.until(() => ofUser().some((message) => message.activity.action === 'unarchived'));

  expect(ofUser().map((message) => [message.key, message.activity.action, message.activity.notificationId])).toEqual([
    [user, 'read', a],
    [user, 'read', b],
    [user, 'archived', c],
    [user, 'deleted', a],
    [user, 'unarchived', c],
  ]);
  expect(reader.received.filter((message) => message.activity.userId === stranger)).toEqual([]);
  await expect.poll(() => system!.store.activityBacklog(), { timeout: 10_000 }).toEqual({ rows: 0, oldestAt: null });
});
