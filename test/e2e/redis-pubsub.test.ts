/**
 * Two instances in one consumer group, sharing PostgreSQL and Redis: a subscriber connected to
 * one instance receives every notification for its user, whichever instance consumed it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { graphqlData, sseSubscribe } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const USERS = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, name: `Reader ${i}` }));

describe('several instances with REDIS_URL', () => {
  let a: TestSystem | undefined;
  let b: TestSystem | undefined;
  afterAll(async () => {
    await b?.dispose({ keepData: true });
    await a?.dispose();
  });

  it('push to a subscriber on one instance what the other instance consumed', async () => {
    a = await startTestSystem({ store: 'postgres', env: { REDIS_URL } });
    await a.store.seedUsers(USERS);
    b = await startTestSystem({ reuse: a.handle, env: { REDIS_URL } });
    await Promise.all([waitUntilReady(a), waitUntilReady(b)]);

    // Twelve recipients spread over the topic's three partitions, which the two members of the
    // group share: some are consumed by A, some by B. Every subscriber is on A.
    const feeds = await Promise.all(
      USERS.map((user) =>
        sseSubscribe<{ notificationAdded: { message: string; recipientId: string } }>(
          a!.url,
          'subscription($u: ID!) { notificationAdded(userId: $u) { message recipientId } }',
          { u: user.id },
        ),
      ),
    );
    const sent = await graphqlData<{ sendNotifications: { notification: { id: string } | null }[] }>(
      b.url,
      'mutation($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id } } }',
      { inputs: USERS.map((user) => ({ senderId: '1', recipientId: user.id, kind: 'mention', message: `hello ${user.id}` })) },
    );
    expect(sent.sendNotifications.every((r) => r.notification)).toBe(true);

    const received = await Promise.all(feeds.map(async (feed) => (await feed.next()).data!.notificationAdded));
    expect(received).toEqual(USERS.map((user) => ({ message: `hello ${user.id}`, recipientId: user.id })));
    await Promise.all(feeds.map((feed) => feed.close()));
  });
});
