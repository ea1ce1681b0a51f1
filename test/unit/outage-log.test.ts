// The outage log's promise: one line going, one line back with the counts, and overlapping calls
// that report old news never flip it.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createOutageLog } from '../../src/outage-log.js';

function setUp() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  let clock = 1_000;
  const outage = createOutageLog(log, 'Kafka producer', { now: () => clock });
  return { lines, outage, advance: (ms: number) => (clock += ms) };
}

describe('createOutageLog', () => {
  it('logs nothing while the part works', () => {
    const { lines, outage } = setUp();
    outage.succeeded();
    outage.succeeded();
    expect(lines).toEqual([]);
    expect(outage.isDown).toBe(false);
  });

  it('logs the first failure at warn with its error, counts the rest, and logs the return once with the counts', () => {
    const { lines, outage, advance } = setUp();
    outage.failed(new Error('connect ECONNREFUSED'), 3);
    expect(outage.isDown).toBe(true);
    for (let i = 0; i < 500; i += 1) {
      advance(10);
      outage.failed(new Error(i === 499 ? 'no acknowledgement within 5000 ms' : 'connect ECONNREFUSED'), 2);
    }
    outage.succeeded();
    outage.succeeded();

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, outage: 'Kafka producer', err: { message: 'connect ECONNREFUSED' } });
    expect(lines[0]?.msg).toMatch(/^Kafka producer is unavailable/);
    expect(lines[1]).toMatchObject({
      level: 30,
      msg: 'Kafka producer is back',
      outage: 'Kafka producer',
      downMs: 5_000,
      failedAttempts: 501,
      failedItems: 3 + 500 * 2,
      lastError: 'no acknowledgement within 5000 ms',
    });
    expect(outage.isDown).toBe(false);
  });

  it('logs each outage anew, with its own counts', () => {
    const { lines, outage, advance } = setUp();
    outage.failed(new Error('first'));
    advance(100);
    outage.succeeded();
    advance(100);
    outage.failed(new Error('second'));
    advance(50);
    outage.succeeded();
    expect(lines.map((line) => [line.level, line.downMs, line.failedAttempts])).toEqual([
      [40, undefined, undefined],
      [30, 100, 1],
      [40, undefined, undefined],
      [30, 50, 1],
    ]);
  });

  it('a call that began before the part came back fails without reopening the outage', () => {
    const { lines, outage, advance } = setUp();
    outage.failed(new Error('away'));
    advance(10);
    const stuck = outage.attempt();
    advance(10);
    outage.attempt().succeeded();
    advance(10);
    stuck.failed(new Error('no acknowledgement within 5000 ms'));
    expect(outage.isDown).toBe(false);
    expect(lines.map((line) => line.level)).toEqual([40, 30]);
  });

  it('a call that began before the part went away succeeds without ending the outage; a newer one ends it', () => {
    const { lines, outage, advance } = setUp();
    const old = outage.attempt();
    advance(10);
    outage.attempt().failed(new Error('away'));
    advance(10);
    old.succeeded();
    expect(outage.isDown).toBe(true);
    const fresh = outage.attempt();
    advance(10);
    fresh.succeeded();
    expect(outage.isDown).toBe(false);
    expect(lines.map((line) => line.level)).toEqual([40, 30]);
  });

  it('a call that began before the outage and failed during it is counted in it', () => {
    const { lines, outage, advance } = setUp();
    const old = outage.attempt();
    advance(10);
    outage.failed(new Error('away'), 1);
    advance(10);
    old.failed(new Error('away too'), 4);
    advance(10);
    outage.succeeded();
    expect(lines[1]).toMatchObject({ failedAttempts: 2, failedItems: 5 });
  });
});
