/**
 * What an operator and a client must see while Kafka is away, checked on a whole scenario run:
 * the log says so once and once back (not once per failed request), nothing but JSON lines
 * reaches the app's output, and every send answers within its deadline plus the tolerance.
 */
import { SEND_DEADLINE_TOLERANCE_MS } from '../../../src/kafka/producer.js';
import type { ScenarioContext } from './scenario.js';

export interface OutageChecks {
  /** The app's KAFKA_SEND_TIMEOUT_MS (the scenario sets it, so the bound is the one the app runs with). */
  sendTimeoutMs: number;
  /**
   * How much later than the deadline the client may see its answer: the server's own tolerance,
   * plus HTTP both ways and the time before the send reached the producer, on shared cores.
   */
  clientToleranceMs: number;
  /** Times Kafka goes away in the scenario: each may log one line going and one coming back. */
  outages: number;
}

interface LogLine {
  level?: number;
  msg?: string;
}

/** The producer's lines: a failed produce, or the Kafka producer's outage lines. */
const isProducerLine = (line: LogLine) => /produc/i.test(line.msg ?? '');

export function checkQuietOutage({ sendTimeoutMs, clientToleranceMs, outages }: OutageChecks) {
  return async (ctx: ScenarioContext) => {
    const lines = ctx.app.logFiles().length > 0 ? ctx.app.current().lines : [];
    const parsed: LogLine[] = [];
    const stray: string[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
      try {
        parsed.push(JSON.parse(line) as LogLine);
      } catch {
        stray.push(line);
      }
    }
    ctx.require('nothing but JSON log lines on the app\'s stdout and stderr', stray.length === 0, `${stray.length} other lines${stray.length ? `, first: ${stray[0]?.slice(0, 300)}` : ''}`);

    const producerLines = parsed.filter(isProducerLine);
    ctx.require(
      `at most ${2 * outages} log lines about producing (one as Kafka goes, one as it comes back, per outage)`,
      producerLines.length <= 2 * outages,
      `${producerLines.length} lines: ${producerLines.slice(0, 4).map((line) => JSON.stringify(line).slice(0, 300)).join(' | ')}`,
    );
    const back = producerLines.filter((line) => line.level === 30);
    ctx.require(`a line saying Kafka is back after each outage`, back.length === outages, back.map((line) => JSON.stringify(line).slice(0, 300)).join(' | ') || 'none');

    // The server's word: sends it answered past deadline + tolerance after they reached the producer.
    const metrics = await fetch(new URL('/metrics', ctx.app.url), { signal: AbortSignal.timeout(10_000) }).then((response) => response.text());
    const overruns = /^notify_kafka_send_overruns_total (\d+)$/m.exec(metrics)?.[1];
    ctx.require(
      `every send answered within ${sendTimeoutMs} + ${SEND_DEADLINE_TOLERANCE_MS} ms of reaching the producer (notify_kafka_send_overruns_total is 0)`,
      overruns === '0',
      `notify_kafka_send_overruns_total ${overruns ?? 'missing'}`,
    );

    const bound = sendTimeoutMs + clientToleranceMs;
    const slowest = ctx.load.sends.reduce((worst, record) => Math.max(worst, record.longestAttemptMs), 0);
    const late = ctx.load.sends.filter((record) => record.longestAttemptMs > bound).length;
    const over = (ms: number) => ctx.load.sends.filter((record) => record.longestAttemptMs > sendTimeoutMs + ms).length;
    ctx.require(
      `every send attempt answered within ${sendTimeoutMs} + ${clientToleranceMs} ms, as the client measures it`,
      late === 0,
      `${late} later; the slowest ${Math.round(slowest)} ms; over +100 ms: ${over(100)}, over +250 ms: ${over(250)}`,
    );
  };
}
