/**
 * Messages another producer wrote badly go to the dead-letter topic with the reason and where
 * they came from, and the partition keeps flowing: a good message behind them is still stored.
 */
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/notifications/event.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { testBrokers } from '../support/kafka.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const GOOD_ID = '6f1e1c3a-8a4d-4c1e-9f59-0a4b8c2d7e10';
const REPAIRED_ID = '7a2f2d4b-9b5e-4d2f-8a6a-1b5c9d3e8f21';

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

  it('npm run dlq lists them, and replays the ones that decode now', async () => {
    const { topic } = system.handle;
    const dlqTopic = `${topic}.dlq`;
    // Dead-lettered by an older, stricter version, say: it decodes now.
    const repaired = encodeEvent({
      id: REPAIRED_ID,
      senderId: '1',
      recipientId: '2',
      kind: 'mention',
      message: 'Emma mentioned you.',
      link: null,
      data: null,
      createdAt: new Date('2026-11-23T12:05:00Z'),
    });
    await producer.send({ topic: dlqTopic, acks: -1, messages: [{ ...repaired, headers: { 'x-error': 'an old rule', 'x-original-topic': topic } }] });

    const env = { ...process.env, KAFKA_BROKERS: testBrokers().join(','), KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: dlqTopic, LOG_LEVEL: 'silent' };
    const list = await runCli(['list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('4 dead letter(s)');
    expect(list.stdout).toContain('error: value is not JSON');
    expect(list.stdout).toContain(`from ${topic}/`);
    expect(list.stdout).toContain('error: an old rule');

    const ws = wsClient(system.wsUrl);
    const feed = wsSubscribe<{ notificationAdded: { id: string } }>(ws, `subscription { notificationAdded(userId: "2", after: "${encodeCursor(1)}") { id } }`);
    const replay = await runCli(['replay', '--all'], env);
    // Two still fail (and say why). The wrongly keyed one decodes, and goes back keyed by its
    // recipient as it should have been; the repaired one goes back onto the topic and into the inbox.
    expect(replay.code).toBe(1);
    expect(replay.stdout).toContain(`replayed #3 as notification ${REPAIRED_ID}`);
    expect(replay.stdout).toMatch(/failed {3}#0: value is not JSON/);
    expect(replay.stdout).toMatch(/failed {3}#1: invalid event: id/);
    expect(replay.stdout).toContain('2 replayed onto');
    expect(replay.stdout).toContain('2 failed again');
    expect((await feed.next()).data?.notificationAdded.id).toBe(REPAIRED_ID);
    await feed.close();
    await ws.dispose();
  }, 60_000);
});

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/ops/dead-letters-cli.ts', ...args], { env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

