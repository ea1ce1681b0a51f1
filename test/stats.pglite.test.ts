/**
 * The stats consumer over the fixed stream (test/support/stats-stream.ts) on the embedded PGlite
 * store: every window's figures and every ranking exactly, read through the admin queries; and
 * what the queries refuse.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listDeadLetters } from '../src/ops/dead-letters.js';
import { userToken } from './support/auth.js';
import { graphql } from './support/graphql.js';
import { eventually } from './support/hostile.js';
import { testBrokers } from './support/kafka.js';
import { expectedStatsFigures, produceStatsStream, readStatsFigures, STATS_GRACE_MS, statsStreamCounted } from './support/stats-stream.js';
import { startTestSystem, waitUntilReady, type TestSystem } from './support/system.js';

let system: TestSystem;

beforeAll(async () => {
  system = await startTestSystem({ store: 'pglite', env: { STATS_GRACE_MS: String(STATS_GRACE_MS) } });
  await waitUntilReady(system);
});

afterAll(async () => {
  await system?.dispose();
});

it('counts the stream exactly: every window, every ranking', async () => {
  await produceStatsStream(testBrokers(), { topic: system.handle.topic, activityTopic: `${system.handle.topic}.activity` });
  await eventually(async () => {
    if (!(await statsStreamCounted(system.url))) throw new Error('the stream is not counted yet');
  }, 30_000);
  expect(await readStatsFigures(system.url)).toEqual(expectedStatsFigures());

  // Every partition's watermark is at 2025-03-02T12:00: the newest closed minute ends at 11:55, hour at 11:00, day at 00:00.
  const seconds = (iso: string) => String(Date.parse(iso) / 1000);
  const metrics = await eventually(async () => {
    const text = await (await fetch(system.metricsUrl)).text();
    const lags = text.split('\n').filter((line) => line.startsWith('notify_stats_consumer_lag{'));
    // Three partitions of each topic, all caught up (the lag is read from Kafka every few seconds).
    if (lags.length !== 6 || lags.some((line) => !line.endsWith(' 0'))) throw new Error(`stats lag not yet 0: ${lags.join(', ')}`);
    return text;
  }, 20_000);
  expect(metrics).toContain(`notify_stats_last_closed_window_end_seconds{window="minute"} ${seconds('2025-03-02T11:55:00Z')}`);
  expect(metrics).toContain(`notify_stats_last_closed_window_end_seconds{window="hour"} ${seconds('2025-03-02T11:00:00Z')}`);
  expect(metrics).toContain(`notify_stats_last_closed_window_end_seconds{window="day"} ${seconds('2025-03-02T00:00:00Z')}`);
});

it('sets an activity event no codec reads aside on the dead-letter topic, and counts nothing of it', async () => {
  const kafka = new Kafka({ brokers: testBrokers(), clientId: 'stats-dlq', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const activityTopic = `${system.handle.topic}.activity`;
  await producer.send({ topic: activityTopic, acks: -1, messages: [{ key: 'stats-user', value: '{"v":1,"action":"liked"}', partition: 1 }] });
  await producer.disconnect();
  const letter = await eventually(async () => {
    const found = (await listDeadLetters(kafka, `${system.handle.topic}.dlq`)).find((entry) => entry.origin.startsWith(activityTopic));
    if (!found) throw new Error('not dead-lettered yet');
    return found;
  }, 20_000);
  expect(letter.error).toMatch(/^invalid event: /);
  expect(await readStatsFigures(system.url)).toEqual(expectedStatsFigures());
});

it('answers admins only, and refuses what is out of bounds with BAD_USER_INPUT', async () => {
  const series = 'query($window: StatsWindow!, $from: DateTime!, $to: DateTime!) { statsSeries(window: $window, from: $from, to: $to) { sent } }';
  const ranking = 'query($first: Int) { statsRanking(window: HOUR, at: "2030-01-01T10:00:00Z", by: SENDER, first: $first) { member } }';
  const code = (result: { errors?: { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.code;
  expect(code(await graphql(system.url, series, { window: 'MINUTE', from: '2030-01-01T00:00:00Z', to: '2030-01-03T00:00:00Z' }))).toBe('BAD_USER_INPUT');
  expect(code(await graphql(system.url, series, { window: 'HOUR', from: '2030-01-01T10:00:00Z', to: '2030-01-01T10:00:00Z' }))).toBe('BAD_USER_INPUT');
  expect(code(await graphql(system.url, ranking, { first: 0 }))).toBe('BAD_USER_INPUT');
  expect(code(await graphql(system.url, ranking, { first: 101 }))).toBe('BAD_USER_INPUT');
  expect(code(await graphql(system.url, ranking, { first: 1 }, { token: userToken('alice') }))).toBe('FORBIDDEN');
  expect((await graphql(system.url, ranking, { first: 1 })).errors).toBeUndefined();
});
