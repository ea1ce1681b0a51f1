// The producer's promises under a broker outage, on a fake kafkajs producer and fake clocks:
// every send answered at its deadline, a few requests in flight and one while Kafka is away,
// queued sends failing unwritten, and the outage logged once each way.
import type { Kafka, Message, ProducerRecord } from 'kafkajs';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKafkaProducer, SEND_DEADLINE_TOLERANCE_MS } from '../../src/kafka/producer.js';
import { NotifyError } from '../../src/notifications/errors.js';
import { newNotification } from './fixtures.js';

const TIMEOUT = 5000;

interface Request {
  messages: Message[];
  ack(): void;
  fail(error: unknown): void;
}

function setUp(sendTimeoutMs = TIMEOUT) {
  const requests: Request[] = [];
  const fake = {
    events: { DISCONNECT: 'producer.disconnect' },
    on: () => () => {},
    connect: async () => {},
    disconnect: async () => {},
    send: (record: ProducerRecord) =>
      new Promise((resolve, reject) => requests.push({ messages: record.messages, ack: () => resolve([]), fail: reject })),
  };
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[number]) });
  let overruns = 0;
  const producer = createKafkaProducer({ producer: () => fake } as unknown as Kafka, {
    topic: 'notifications',
    sendTimeoutMs,
    log,
    telemetry: { produced: () => {}, sendOverran: () => (overruns += 1) },
  });

  /** Sends one notification in its own tick (so in its own flush); the outcome is kept, never thrown. */
  async function send() {
    const outcome: { settledAt?: number; error?: unknown } = {};
    const began = performance.now();
    void producer.send([newNotification()]).then(
      () => (outcome.settledAt = performance.now() - began),
      (error: unknown) => {
        outcome.settledAt = performance.now() - began;
        outcome.error = error;
      },
    );
    await vi.advanceTimersByTimeAsync(0);
    return outcome;
  }
  return { producer, requests, lines, send, overruns: () => overruns };
}

const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });

describe('the Kafka producer', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a send Kafka never acknowledges at its deadline: KAFKA_UNAVAILABLE, may have been written', async () => {
    const { send, requests, overruns } = setUp();
    const outcome = await send();
    expect(requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1);
    expect(outcome.settledAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome.settledAt).toBe(TIMEOUT);
    expect(outcome.error).toBeInstanceOf(NotifyError);
    expect((outcome.error as NotifyError).code).toBe('KAFKA_UNAVAILABLE');
    expect((outcome.error as NotifyError).message).toMatch(/may have been written; retry with the same idempotencyKey/);
    expect(overruns()).toBe(0);
  });

  it('keeps four requests in flight at most; sends arriving meanwhile go together in the next one', async () => {
    const { send, requests } = setUp();
    const outcomes = [];
    for (let i = 0; i < 10; i += 1) outcomes.push(await send());
    expect(requests.map((request) => request.messages.length)).toEqual([1, 1, 1, 1]);
    requests[0]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(requests.map((request) => request.messages.length)).toEqual([1, 1, 1, 1, 6]);
    for (const request of requests.slice(1)) request.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(outcomes.every((outcome) => outcome.settledAt !== undefined && outcome.error === undefined)).toBe(true);
  });

  it('while Kafka is away sends one request at a time; the next goes when the one in flight is given up at its deadline', async () => {
    const { send, requests, producer } = setUp();
    await send();
    requests[0]!.fail(refused);
    await vi.advanceTimersByTimeAsync(0);
    expect(producer.readiness()).toBe(false);

    const probe = await send();
    await vi.advanceTimersByTimeAsync(1000);
    const waiting = await send();
    expect(requests).toHaveLength(2);
    // The probe is given up at its deadline; the waiting send then goes alone, and is not answered early.
    await vi.advanceTimersByTimeAsync(TIMEOUT - 1000);
    expect(probe.settledAt).toBe(TIMEOUT);
    // The request's own timer is on a float of the same deadline: it fires within the next millisecond.
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(3);
    expect(requests[2]!.messages).toHaveLength(1);
    expect(waiting.settledAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(waiting.settledAt).toBe(TIMEOUT);
    expect((waiting.error as NotifyError).message).toMatch(/may have been written/);
  });

  it('fails a send still waiting for a request at its deadline as not written, never handing it to kafkajs', async () => {
    const { send, requests } = setUp();
    await send();
    requests[0]!.fail(refused);
    await vi.advanceTimersByTimeAsync(0);
    // The probe and two sends behind it reach the producer at the same moment: they share a deadline.
    const probe = await send();
    const queued = [await send(), await send()];
    expect(requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(TIMEOUT);
    expect(probe.settledAt).toBe(TIMEOUT);
    expect((probe.error as NotifyError).message).toMatch(/may have been written/);
    for (const outcome of queued) {
      expect(outcome.settledAt).toBe(TIMEOUT);
      expect((outcome.error as NotifyError).code).toBe('KAFKA_UNAVAILABLE');
      expect((outcome.error as NotifyError).message).toMatch(/not written; retry it/);
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(requests).toHaveLength(2);
  });

  it('logs the outage once going and once back, with what failed meanwhile, however many sends fail', async () => {
    const { send, requests, lines, producer } = setUp();
    for (let round = 0; round < 30; round += 1) {
      await send();
      requests.at(-1)!.fail(refused);
      await vi.advanceTimersByTimeAsync(100);
    }
    const back = await send();
    requests.at(-1)!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(back.error).toBeUndefined();
    expect(producer.readiness()).toBe(true);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'Kafka producer is unavailable; further failures are only counted until it is back'],
      [30, 'Kafka producer is back'],
    ]);
    expect(lines[1]).toMatchObject({ failedAttempts: 30, failedItems: 30, downMs: 3000 });
  });

  it('counts a send answered later than its deadline plus the tolerance as an overrun', async () => {
    vi.useRealTimers();
    const sendTimeoutMs = 20;
    const { producer, overruns } = setUp(sendTimeoutMs);
    const answered = producer.send([newNotification()]).catch(() => {});
    // The event loop held up past deadline + tolerance (a busy process): the deadline's timer fires late.
    const until = performance.now() + sendTimeoutMs + SEND_DEADLINE_TOLERANCE_MS + 20;
    while (performance.now() < until);
    await answered;
    expect(overruns()).toBe(1);
  });
});
