/**
 * The topic as a contract, used the way another team would: a raw kafkajs producer that knows only
 * the AsyncAPI document the server publishes (the topic's address, the payload's JSON Schema, the
 * key) writes an event, and the real system stores it and pushes it live to its recipient; the
 * same for a broadcast event, which reaches every subscriber of its topic.
 */
import { randomUUID } from 'node:crypto';
import { Ajv } from 'ajv';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { userToken } from '../support/auth.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

interface JsonSchema {
  type?: string;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

interface AsyncApi {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { contentType?: string; payload: JsonSchema; bindings?: { kafka?: { key?: JsonSchema } } }> }>;
}

/** Only what the schema requires: constants and enums taken from it, the rest from `chosen` by name. */
function eventFromSchema(payload: JsonSchema, chosen: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    (payload.required ?? []).map((name) => {
      const property = payload.properties?.[name] ?? {};
      const value = property.const ?? property.enum?.[0] ?? chosen[name];
      expect(value, `a value for the required "${name}"`).toBeDefined();
      return [name, value];
    }),
  );
}

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem();
  await waitUntilReady(system);
}, 120_000);

afterAll(async () => {
  await system?.dispose();
});

it('an event a raw producer builds from the published JSON Schema alone is stored and pushed', async () => {
  const response = await fetch(new URL('/v1/asyncapi.json', system.url));
  expect(response.status).toBe(200);
  const document = (await response.json()) as AsyncApi;
  expect(document.asyncapi).toBe('3.0.0');
  const channel = document.channels.notifications!;
  const message = Object.values(channel.messages)[0]!;
  expect(message.contentType).toBe('application/json');
  const { payload } = message;
  const keySchema = message.bindings?.kafka?.key;
  expect(keySchema).toBeDefined();

  const event = eventFromSchema(payload, {
    id: randomUUID(),
    from: '1',
    to: '2',
    message: 'Emma wrote straight to the topic.',
    createdAt: new Date().toISOString(),
  });
  const ajv = new Ajv({ strict: false, validateFormats: false });
  expect(ajv.validate(payload, event), JSON.stringify(ajv.errors)).toBe(true);
  const key = String(event.to);
  expect(ajv.validate(keySchema!, key), JSON.stringify(ajv.errors)).toBe(true);

  const client = wsClient(system.wsUrl, { token: userToken(key) });
  const live = wsSubscribe<{ notificationAdded: { id: string; message: string } }>(
    client,
    'subscription Added($after: String) { notificationAdded(after: $after) { id message } }',
    // From the start of the inbox: the replay covers an event consumed before the subscription is live.
    { after: encodeCursor(0) },
  );
  const producer = new Kafka({ brokers: testBrokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    expect(channel.address).toBe(system.handle.topic);
    await producer.send({ topic: channel.address, acks: -1, messages: [{ key, value: JSON.stringify(event) }] });
    for (;;) {
      const pushed = await live.next();
      if (pushed.data?.notificationAdded.id === event.id) break;
    }
    const inbox = await graphqlData<{ notifications: { edges: { node: { id: string; message: string; senderId: string | null } }[] } }>(
      system.url,
      'query Inbox($userId: ID!) { notifications(userId: $userId, first: 100) { edges { node { id message senderId } } } }',
      { userId: key },
    );
    expect(inbox.notifications.edges.map((edge) => edge.node)).toContainEqual({ id: event.id, message: event.message, senderId: '1' });
  } finally {
    await producer.disconnect();
    await live.close();
    await client.dispose();
  }
}, 60_000);

it('a version 2 event a raw producer builds from the published JSON Schema, with a group key, is stored in its group', async () => {
  const document = (await (await fetch(new URL('/v1/asyncapi.json', system.url))).json()) as AsyncApi;
  const channel = document.channels.notifications!;
  const message = channel.messages.notificationEventV2;
  expect(message, 'the document publishes version 2').toBeDefined();
  const { payload } = message!;
  const groupKey = `post-${randomUUID().slice(0, 8)}:comment`;
  const id = randomUUID();
  const event = {
    ...eventFromSchema(payload, { id, from: '1', to: '2', kind: 'comment', message: 'Emma commented, straight to the topic.', createdAt: new Date().toISOString() }),
    group: groupKey,
  };
  const ajv = new Ajv({ strict: false, validateFormats: false });
  expect(ajv.validate(payload, event), JSON.stringify(ajv.errors)).toBe(true);

  const client = wsClient(system.wsUrl, { token: userToken('2') });
  const live = wsSubscribe<{ notificationAdded: { id: string; groupKey: string | null } }>(
    client,
    'subscription Added($after: String) { notificationAdded(after: $after) { id groupKey } }',
    { after: encodeCursor(0) },
  );
  const producer = new Kafka({ brokers: testBrokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    await producer.send({ topic: channel.address, acks: -1, messages: [{ key: '2', value: JSON.stringify(event) }] });
    for (;;) {
      const pushed = await live.next();
      if (pushed.data?.notificationAdded.id === id) {
        expect(pushed.data?.notificationAdded.groupKey).toBe(groupKey);
        break;
      }
    }
  } finally {
    await producer.disconnect();
    await live.close();
    await client.dispose();
  }
}, 60_000);

it('a broadcast event a raw producer builds from the published JSON Schema alone reaches every subscriber of its topic', async () => {
  const document = (await (await fetch(new URL('/v1/asyncapi.json', system.url))).json()) as AsyncApi;
  const channel = document.channels.broadcasts!;
  const message = Object.values(channel.messages)[0]!;
  const { payload } = message;
  const topic = `asyncapi-${randomUUID().slice(0, 8)}`;
  const subscribers = ['2', '3'];
  await system.store.subscribeToTopic(topic, subscribers, new Date(Date.now() - 60_000));

  const text = `A broadcast written straight to ${topic}.`;
  // The kind is any registered kind's name (the document says so; it no longer lists them): a seeded one.
  const event = eventFromSchema(payload, { id: randomUUID(), topic, from: '1', kind: 'like', message: text, createdAt: new Date().toISOString() });
  const ajv = new Ajv({ strict: false, validateFormats: false });
  expect(ajv.validate(payload, event), JSON.stringify(ajv.errors)).toBe(true);
  expect(ajv.validate(message.bindings!.kafka!.key!, topic), JSON.stringify(ajv.errors)).toBe(true);

  const feeds = subscribers.map((userId) => {
    const client = wsClient(system.wsUrl, { token: userToken(userId) });
    return { client, live: wsSubscribe<{ notificationAdded: { message: string } }>(client, 'subscription Added($after: String) { notificationAdded(after: $after) { message } }', { after: encodeCursor(0) }) };
  });
  const producer = new Kafka({ brokers: testBrokers(), logLevel: logLevel.NOTHING }).producer();
  await producer.connect();
  try {
    expect(channel.address).toBe(`${system.handle.topic}.broadcasts`);
    await producer.send({ topic: channel.address, acks: -1, messages: [{ key: topic, value: JSON.stringify(event) }] });
    for (const feed of feeds) {
      for (;;) {
        const pushed = await feed.live.next();
        if (pushed.data?.notificationAdded.message === text) break;
      }
    }
  } finally {
    await producer.disconnect();
    await Promise.all(feeds.map(async (feed) => {
      await feed.live.close();
      await feed.client.dispose();
    }));
  }
}, 60_000);
