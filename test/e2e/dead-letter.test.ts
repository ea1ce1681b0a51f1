/**
 * Messages another producer wrote badly go to the dead-letter topic with the reason and where
 * they came from, and the partition keeps flowing: a good message behind them is still stored.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/notifications/event.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const GOOD_ID = '6f1e1c3a-8a4d-4c1e-9f59-0a4b8c2d7e10';

describe('the dead-letter topic', () => {
  let system: TestSystem;
  const kafka = new Kafka({ brokers: testBrokers(), clientId: 'dead-letter-test', logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const dlqReader = kafka.consumer({ groupId: `dlq-reader-${Date.now()}` });

  afterAll(async () => {
    await Promise.allSettled([producer.disconnect(), dlqReader.disconnect()]);
    await system?.dispose();
  });

  it('receives undecodable and invalid events, and the good one behind them is stored', async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
    const { topic } = system.handle;
    const ws = wsClient(system.wsUrl);
    const subscription = wsSubscribe<{ notificationAdded: unknown }>(
      ws,
      `subscription { notificationAdded(userId: "2", after: "${encodeCursor(0)}") { id link data } }`,
    );
    const good = encodeEvent({
      id: GOOD_ID,
      senderId: '4',
      recipientId: '2',
      kind: 'like',
      message: 'Lena liked your post.',
      link: '/posts/7',
      data: { postId: 7 },
      createdAt: new Date('2026-11-23T12:00:00Z'),
    });
    await producer.connect();
    // All on the recipient's key, so they share one partition, in this order.
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: '2', value: 'this is not json' },
        { key: '2', value: JSON.stringify({ v: 1, id: 'nope', to: '2' }) },
        { key: '2', value: good.value.replace('"to":"2"', '"to":"3"') }, // key says 2, body says 3
        good,
      ],
    });

    const letters: { value: string; headers: Record<string, string> }[] = [];
    await dlqReader.connect();
    await dlqReader.subscribe({ topic: `${topic}.dlq`, fromBeginning: true });
    const threeLetters = new Promise<void>((resolve) => {
      void dlqReader.run({
        eachMessage: async ({ message }) => {
          letters.push({
            value: message.value?.toString() ?? '',
            headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
          });
          if (letters.length === 3) resolve();
        },
      });
    });
    await threeLetters;

    expect(letters.map((l) => l.value)).toEqual([
      'this is not json',
      JSON.stringify({ v: 1, id: 'nope', to: '2' }),
      good.value.replace('"to":"2"', '"to":"3"'),
    ]);
    expect(letters.map((l) => l.headers['x-error'])).toEqual([
      'value is not JSON',
      expect.stringContaining('invalid event: id'),
      'key does not match the recipient id',
    ]);
    for (const letter of letters) {
      expect(letter.headers).toMatchObject({ 'x-original-topic': topic, 'x-original-partition': expect.stringMatching(/^\d+$/) });
    }
    // A fresh topic: the three bad messages are its first three offsets.
    expect(letters.map((l) => l.headers['x-original-offset'])).toEqual(['0', '1', '2']);

    // The good message, behind the bad ones on the same partition, is stored and pushed.
    const pushed = await subscription.next();
    expect(pushed.data?.notificationAdded).toEqual({ id: GOOD_ID, link: '/posts/7', data: { postId: 7 } });
    await subscription.close();
    await ws.dispose();
    const stored = await graphqlData<{ notifications: { nodes: unknown[] } }>(system.url, `{ notifications(userId: "2") { nodes { id link data } } }`);
    expect(stored.notifications.nodes).toEqual([{ id: GOOD_ID, link: '/posts/7', data: { postId: 7 } }]);
  });
});
