/**
 * Kafka away (a port nothing listens on) under waves of concurrent sends, the quick form of fault
 * scenario 2 (issue 15): every send answers KAFKA_UNAVAILABLE within its deadline plus the
 * tolerance, the log says once that Kafka is away instead of once per send, and no answer came
 * late by the server's own count; the HTTP API answers the same outage as 503 problem details
 * (the tutorial's /send as its 500). The fault suite kills a real broker and sees it come back.
 */
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_DEADLINE_TOLERANCE_MS } from '../../src/kafka/producer.js';
import { adminToken } from '../support/auth.js';
import { graphql } from '../support/graphql.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

const SEND_TIMEOUT_MS = 1000;
/**
 * Beside the server's tolerance, what a client also waits for: HTTP both ways, the request's way
 * to the producer, this test's own turn; on two cores shared with other test files. The server's
 * own count of late answers (from reaching the producer) is checked exactly.
 */
const CLIENT_SLACK_MS = 1000;

const SEND = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;

describe('Kafka away, sends under load', () => {
  let system: TestSystem;
  const lines: { level: number; msg: string }[] = [];

  beforeAll(async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
    system = await startTestSystem({ brokers: [`127.0.0.1:${closedPort}`], env: { KAFKA_SEND_TIMEOUT_MS: String(SEND_TIMEOUT_MS) }, log });
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it(`answers every send KAFKA_UNAVAILABLE within ${SEND_TIMEOUT_MS} + ${SEND_DEADLINE_TOLERANCE_MS} ms of reaching the producer, and logs the outage once`, async () => {
    const answers: { code: unknown; ms: number }[] = [];
    const send = async (n: number) => {
      const began = performance.now();
      const result = await graphql(system.url, SEND, {
        input: { senderId: '1', recipientId: '2', kind: 'follow', message: `wave send ${n}`, idempotencyKey: `kafka-away-${n}` },
      });
      answers.push({ code: result.errors?.[0]?.extensions?.code, ms: performance.now() - began });
    };
    // One send first, so the waves meet a warm server (the first request's way through is slow).
    await send(-1);
    // Waves a third of the deadline apart: sends in the probing request and sends waiting behind it.
    const waves = [];
    for (let wave = 0; wave < 4; wave += 1) {
      waves.push(Promise.all(Array.from({ length: 30 }, (_, i) => send(wave * 30 + i))));
      await new Promise((resolve) => setTimeout(resolve, SEND_TIMEOUT_MS / 3));
    }
    await Promise.all(waves);

    expect(answers).toHaveLength(121);
    expect(new Set(answers.map((answer) => answer.code))).toEqual(new Set(['KAFKA_UNAVAILABLE']));
    const slowest = Math.max(...answers.map((answer) => answer.ms));
    expect(slowest).toBeLessThanOrEqual(SEND_TIMEOUT_MS + SEND_DEADLINE_TOLERANCE_MS + CLIENT_SLACK_MS);

    const metrics = await (await fetch(new URL('/metrics', system.url))).text();
    expect(metrics).toMatch(/^notify_kafka_send_overruns_total 0$/m);

    const producing = lines.filter((line) => /produc/i.test(line.msg));
    expect(producing.map((line) => [line.level, line.msg])).toEqual([[40, 'Kafka producer is unavailable; further failures are only counted until it is back']]);
  });

  it('answers POST /v1/notifications 503 KAFKA_UNAVAILABLE as problem details, a batch with that code per item, and the tutorial\'s /send 500', async () => {
    const authorization = `Bearer ${await adminToken}`;
    const post = (body: unknown) =>
      fetch(new URL('/v1/notifications', system.url), { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const one = { senderId: '1', recipientId: '2', kind: 'follow', message: 'over REST while Kafka is away' };
    const [single, batch] = await Promise.all([post(one), post({ notifications: [one, { ...one, recipientId: '3' }] })]);
    expect(single.status).toBe(503);
    expect(single.headers.get('content-type')).toBe('application/problem+json');
    expect(await single.json()).toMatchObject({ status: 503, code: 'KAFKA_UNAVAILABLE' });
    // As sendNotifications: a result per item, so a caller retries exactly the ones that failed.
    expect(batch.status).toBe(200);
    const { results } = (await batch.json()) as { results: { index: number; error?: { code: string } }[] };
    expect(results.map((result) => [result.index, result.error?.code])).toEqual([
      [0, 'KAFKA_UNAVAILABLE'],
      [1, 'KAFKA_UNAVAILABLE'],
    ]);

    const tutorial = await fetch(new URL('/send', system.url), { method: 'POST', headers: { authorization }, body: new URLSearchParams({ fromID: '1', toID: '2', message: 'tutorial send while Kafka is away' }) });
    expect(tutorial.status).toBe(500);
    expect(await tutorial.json()).toEqual({ message: expect.any(String) });

    const metrics = await (await fetch(new URL('/metrics', system.url))).text();
    expect(metrics).toMatch(/^notify_http_api_requests_total\{route="POST \/v1\/notifications",code="KAFKA_UNAVAILABLE"\} 1$/m);
  });
});
