/**
 * Broadcasts on the real system (Kafka, the store, graphql-ws, HTTP): admins subscribe users to a
 * topic in bulk and page its subscribers; a back end sends once to the topic; every subscriber as
 * subscribed when it was sent gets it exactly once, in their own inbox and pushed live; the
 * sender and later subscribers do not; a retried broadcast (same key) reaches nobody twice; users
 * may not broadcast; and an event the broadcast topic cannot decode goes to the dead-letter topic.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../src/kafka/dead-letter-headers.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { adminToken, sendOnlyToken, userToken } from '../support/auth.js';
import { graphql, graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { eventually } from '../support/hostile.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

let system: TestSystem;

beforeAll(async () => {
  // Pages of 2: a topic of five spans three pages, so paging and progress are exercised.
  system = await startTestSystem({ env: { BROADCAST_PAGE_SIZE: '2' } });
  await waitUntilReady(system);
}, 120_000);

afterAll(async () => {
  await system?.dispose();
});

const ADDED = 'subscription Added($after: String) { notificationAdded(after: $after) { id message kind sender { id } } }';
type Added = { notificationAdded: { id: string; message: string; kind: string; sender: { id: string } | null } };

async function broadcast(body: Record<string, unknown>, token: string | Promise<string> = sendOnlyToken, headers: Record<string, string> = {}) {
  const response = await fetch(new URL('/v1/broadcasts', system.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

async function inboxMessages(userId: string): Promise<string[]> {
  const data = await graphqlData<{ notifications: { nodes: { message: string }[] } }>(
    system.url,
    'query Inbox($userId: ID) { notifications(userId: $userId, first: 100) { nodes { message } } }',
    { userId },
  );
  return data.notifications.nodes.map((node) => node.message).toSorted();
}

describe('broadcasts to a topic', () => {
  it('reach every subscriber once, live and stored, but not the sender, later subscribers or anyone twice', { timeout: 60_000 }, async () => {
    const prefix = `b-${randomUUID().slice(0, 6)}`;
    const ids = Array.from({ length: 6 }, (_, index) => `${prefix}-${index}`);
    const [sender, ...subscribers] = ids as [string, ...string[]];
    const late = subscribers.pop()!;
    await system.store.seedUsers(ids.map((id) => ({ id, name: id })));
    const topic = `post-${prefix}`;

    const subscribed = await graphqlData<{ subscribeToTopic: { added: string[]; unknownUserIds: string[] } }>(
      system.url,
      'mutation Sub($topic: String!, $ids: [ID!]!) { subscribeToTopic(topic: $topic, userIds: $ids) { added unknownUserIds } }',
      { topic, ids: [sender, ...subscribers, 'nobody-at-all'] },
    );
    expect(subscribed.subscribeToTopic.added.toSorted()).toEqual([sender, ...subscribers].toSorted());
    expect(subscribed.subscribeToTopic.unknownUserIds).toEqual(['nobody-at-all']);

    // Paged by user id, with no gap or duplicate.
    const paged: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const data: { topicSubscribers: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await graphqlData(
        system.url,
        'query Subs($topic: String!, $after: String) { topicSubscribers(topic: $topic, first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }',
        { topic, after },
      );
      paged.push(...data.topicSubscribers.nodes.map((node) => node.id));
      if (!data.topicSubscribers.pageInfo.hasNextPage) break;
      after = data.topicSubscribers.pageInfo.endCursor;
    }
    expect(paged).toEqual([sender, ...subscribers].toSorted());

    const feeds = subscribers.map((id) => {
      const client = wsClient(system.wsUrl, { token: userToken(id) });
      return { id, client, live: wsSubscribe<Added>(client, ADDED, { after: encodeCursor(0) }) };
    });
    try {
      const first = await broadcast({ topic, senderId: sender, kind: 'comment', message: 'first broadcast' }, sendOnlyToken, { 'idempotency-key': `k-${prefix}` });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ topic, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      // A retry with the same key is the same broadcast.
      const retried = await broadcast({ topic, senderId: sender, kind: 'comment', message: 'first broadcast' }, sendOnlyToken, { 'idempotency-key': `k-${prefix}` });
      expect(retried.body.id).toBe(first.body.id);
      // Subscribed after the broadcast was sent: not one of its recipients.
      await system.store.subscribeToTopic(topic, [late], new Date());
      // Later on the same topic (same key, same partition): expanded after the retried one.
      const second = await graphqlData<{ sendBroadcast: { id: string; topic: string } }>(
        system.url,
        'mutation B($input: BroadcastInput!) { sendBroadcast(input: $input) { id topic } }',
        { input: { topic, kind: 'system', message: 'second broadcast' } },
        { token: sendOnlyToken },
      );
      expect(second.sendBroadcast.topic).toBe(topic);

      for (const feed of feeds) {
        const first = await feed.live.next();
        expect(first.data?.notificationAdded).toMatchObject({ message: 'first broadcast', kind: 'comment', sender: { id: sender } });
        const next = await feed.live.next();
        expect(next.data?.notificationAdded).toMatchObject({ message: 'second broadcast', kind: 'system', sender: null });
      }
      await eventually(async () => expect(await inboxMessages(late)).toEqual(['second broadcast']), 20_000);
      for (const id of subscribers) expect(await inboxMessages(id)).toEqual(['first broadcast', 'second broadcast']);
      expect(await inboxMessages(sender)).toEqual(['second broadcast']);

      const progress = await graphqlData<{ broadcastProgress: { recipients: number; done: boolean } | null }>(
        system.url,
        'query P($id: ID!) { broadcastProgress(id: $id) { recipients done } }',
        { id: first.body.id },
      );
      expect(progress.broadcastProgress).toEqual({ recipients: subscribers.length, done: true });
    } finally {
      await Promise.all(feeds.map(async (feed) => {
        await feed.live.close();
        await feed.client.dispose();
      }));
    }
  });

  it('are for back ends: a user token is refused over HTTP and GraphQL, an admin may unsubscribe', async () => {
    const refused = await broadcast({ topic: 'all', kind: 'like', message: 'to everyone' }, userToken('1'));
    expect(refused.status).toBe(403);
    expect(refused.type).toMatch(/^application\/problem\+json/);
    expect(refused.body.code).toBe('FORBIDDEN');

    const viaGraphQL = await graphql(system.url, 'mutation { sendBroadcast(input: { topic: "all", kind: LIKE, message: "x" }) { id } }', {}, { token: userToken('1') });
    expect(viaGraphQL.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const notAdmin = await graphql(system.url, 'mutation { subscribeToTopic(topic: "all", userIds: ["1"]) { added } }', {}, { token: sendOnlyToken });
    expect(notAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const badTopic = await broadcast({ topic: ' spaces are not a topic', kind: 'system', message: 'x' });
    expect(badTopic.status).toBe(400);
    expect(badTopic.body).toMatchObject({ code: 'BAD_USER_INPUT', field: 'topic' });

    const topic = `t-${randomUUID().slice(0, 6)}`;
    await graphqlData(system.url, 'mutation { subscribeToTopic(topic: "' + topic + '", userIds: ["1", "2"]) { added } }', {}, { token: adminToken });
    const removed = await graphqlData<{ unsubscribeFromTopic: string[] }>(system.url, `mutation { unsubscribeFromTopic(topic: "${topic}", userIds: ["1", "9"]) }`);
    expect(removed.unsubscribeFromTopic).toEqual(['1']);
  });

  it('sends an event the broadcast topic cannot decode to the dead-letter topic, and goes on', { timeout: 60_000 }, async () => {
    const kafka = new Kafka({ brokers: testBrokers(), clientId: 'broadcast-test', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}` });
    await Promise.all([producer.connect(), consumer.connect()]);
    try {
      const marker = `not-a-broadcast-${randomUUID()}`;
      const dead = new Promise<{ value: string; error: string; from: string }>((resolve) => {
        void consumer.subscribe({ topic: `${system.handle.topic}.dlq`, fromBeginning: true }).then(() =>
          consumer.run({
            eachMessage: async ({ message }) => {
              const value = message.value?.toString() ?? '';
              const header = (name: string) => message.headers?.[name]?.toString() ?? '';
              if (value.includes(marker)) resolve({ value, error: header(DEAD_LETTER_HEADERS.error), from: header(DEAD_LETTER_HEADERS.originalTopic) });
            },
          }),
        );
      });
      await producer.send({ topic: `${system.handle.topic}.broadcasts`, messages: [{ key: 'all', value: JSON.stringify({ v: 1, marker }) }] });
      const letter = await dead;
      expect(letter.value).toContain(marker);
      expect(letter.from).toBe(`${system.handle.topic}.broadcasts`);
      expect(letter.error).toMatch(/^invalid event: /);
    } finally {
      await Promise.all([producer.disconnect(), consumer.disconnect()]);
    }
  });
});
