/**
 * Inbox state changes on the activity topic, end to end: changes made through GraphQL reach
 * `<topic>.activity` from the store's outbox, each once, keyed by the recipient, in the order
 * they were made, decoded by the codec another service reads them with; a change that changed
 * nothing (read twice) is not told. The real broker, the real store, a raw kafkajs reader.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readActivityTopic } from '../support/activity-topic.js';
import { graphqlData } from '../support/graphql.js';
import { inboxUsers } from '../support/inbox-users.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

let system: TestSystem;
let reader: Awaited<ReturnType<typeof readActivityTopic>>;
const newUser = inboxUsers(() => system.url, 'activity', { timeout: 30_000 });

beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
  reader = await readActivityTopic(testBrokers(), `${system.handle.topic}.activity`);
});
afterAll(async () => {
  await reader?.stop();
  await system?.dispose();
});

/** A change of the caller's own inbox through GraphQL: of the named notifications, or of all. */
const change = (mutation: string, token: string, ids?: string[]) =>
  ids
    ? graphqlData(system.url, `mutation ($ids: [ID!]!) { ${mutation}(ids: $ids) { action } }`, { ids }, { token })
    : graphqlData(system.url, `mutation { ${mutation} { action } }`, {}, { token });

it('tells each committed change once, keyed by the recipient, in order, and nothing for a change of nothing', { timeout: 90_000 }, async () => {
  const user = await newUser();
  await user.send('first', 'second', 'third');
  await user.stored(3);
  const { notifications } = await graphqlData<{ notifications: { nodes: { id: string; createdAt: string }[] } }>(
    system.url,
    '{ notifications(first: 10) { nodes { id createdAt } } }',
    {},
    { token: user.token },
  );
  const [a, b, c] = notifications.nodes.toReversed().map((n) => n.id) as [string, string, string];

  await change('markNotificationsRead', user.token, [a]);
  // Read again: nothing changed, nothing told.
  await change('markNotificationsRead', user.token, [a]);
  await change('archiveNotifications', user.token, [b]);
  // Reads what is unread and not archived: c alone.
  await change('markAllNotificationsRead', user.token);
  await change('deleteNotifications', user.token, [a]);
  // The last change: one inbox's events are in order on one partition, so once it is here every
  // earlier one is too, and anything told twice would already show.
  await change('unarchiveNotifications', user.token, [b]);

  const ofUser = () => reader.received.filter((message) => message.activity.userId === user.id);
  await reader.until(() => ofUser().some((message) => message.activity.action === 'unarchived'));

  expect(reader.undecodable).toEqual([]);
  expect(ofUser().map((message) => [message.activity.action, message.activity.notificationId])).toEqual([
    ['read', a],
    ['archived', b],
    ['read', c],
    ['deleted', a],
    ['unarchived', b],
  ]);
  const received = ofUser();
  expect(received.every((message) => message.key === user.id)).toBe(true);
  expect(new Set(received.map((message) => message.partition)).size).toBe(1);
  expect(new Set(received.map((message) => message.activity.id)).size).toBe(received.length);
  const createdAt = new Map(notifications.nodes.map((n) => [n.id, new Date(n.createdAt).getTime()]));
  for (const { activity } of received) {
    expect(activity.kind).toBe('mention');
    expect(activity.notificationCreatedAt.getTime()).toBe(createdAt.get(activity.notificationId));
    expect(activity.at.getTime()).toBeGreaterThanOrEqual(activity.notificationCreatedAt.getTime());
  }
  // Drained: the outbox holds nothing once Kafka acknowledged it all.
  await expect.poll(() => system.store.activityBacklog(), { timeout: 10_000 }).toEqual({ rows: 0, oldestAt: null });
});
