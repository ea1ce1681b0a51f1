/**
 * Anonymous clients cannot fill the log (issue 15, §3.2). The real service runs as a child
 * process in production mode (`node --import tsx src/main.ts`), so its standard output (pino's
 * JSON lines) and standard error are read exactly as an operator's collector would read them.
 * Requests refused at the token check over HTTP, SSE and WebSocket, and frames a client should
 * never send (over 64 KiB before connection_init, unmasked, not graphql-ws), must write no line
 * above debug, one debug line each carrying the request id, nothing at all on stderr, and be
 * counted in notify_requests_refused_total.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { rawWebSocket, request, wsFrame } from '../support/hostile.js';
import { testBrokers, uniqueName } from '../support/kafka.js';
import { readMetrics, sample } from '../support/metrics.js';

const WS_PAYLOAD_LIMIT = 64 * 1024;
const EACH = 50;
const QUERY = '{ __typename }';

interface LogLine {
  level: number;
  msg?: string;
  requestId?: string;
  [key: string]: unknown;
}

interface Service {
  url: string;
  wsUrl: string;
  metricsUrl: string;
  /** pino's lines so far, parsed; a line that is not JSON fails the test where it is read. */
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line (already written or still to come) that matches. */
  lineMatching(match: (line: LogLine) => boolean): Promise<LogLine>;
  /** SIGTERM, then waits until the process exited and both of its streams ended. */
  stop(): Promise<void>;
}

const parse = (line: string): LogLine => JSON.parse(line) as LogLine;

const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function startService(dataDir: string): Promise<Service> {
  const topic = uniqueName('notifications');
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      // Any free port: the service names its URLs in its log once it listens.
      PORT: '0',
      KAFKA_BROKERS: testBrokers().join(','),
      KAFKA_TOPIC: topic,
      KAFKA_DLQ_TOPIC: `${topic}.dlq`,
      KAFKA_GROUP_ID: uniqueName('group'),
      KAFKA_PARTITIONS: '1',
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      DATA_DIR: dataDir,
      LOG_FORMAT: 'json',
      // Debug, so the one line each refusal may write is there to be checked for its request id.
      LOG_LEVEL: 'debug',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const split = (into: string[], onLine: (line: string) => void) => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        into.push(line);
        onLine(line);
      }
    };
  };
  child.stdout?.on(
    'data',
    split(stdout, (text) => {
      if (!text.startsWith('{')) return;
      const line = parse(text);
      for (const waiter of waiters.filter((w) => w.match(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }),
  );
  child.stderr?.on('data', split(stderr, () => {}));
  const streamsEnded = Promise.all([once(child.stdout!, 'end'), once(child.stderr!, 'end')]);
  const exited = once(child, 'exit');

  const lineMatching = (match: (line: LogLine) => boolean) => {
    const seen = stdout.filter((text) => text.startsWith('{')).map(parse).find(match);
    if (seen) return Promise.resolve(seen);
    return Promise.race([
      new Promise<LogLine>((resolve) => waiters.push({ match, resolve })),
      exited.then(() => Promise.reject(new Error(`the service exited; stderr: ${stderr.join('\n')}`))),
    ]);
  };

  const urlIn = async (prefix: string) => (await lineMatching((line) => line.msg?.startsWith(prefix) === true)).msg!.slice(prefix.length);
  const url = await urlIn('GraphQL is ready at ');
  const metricsUrl = await urlIn('Prometheus metrics at ');
  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    metricsUrl,
    stdout,
    stderr,
    lineMatching,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.all([exited, streamsEnded]);
    },
  };
}

let dataDir: string;
let service: Service;
const ids: string[] = [];
/** A request id of ours, one per refused call, so each one's lines can be found. */
const nextId = (kind: string) => {
  const id = `anon-${kind}-${ids.length}`;
  ids.push(id);
  return id;
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'kafka-notify-logs-'));
  service = await startService(dataDir);
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const json = (headers: Record<string, string>, body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
  body: JSON.stringify(body),
});

describe('requests refused at the token check', () => {
  it(`${EACH * 4} anonymous or wrongly signed requests over HTTP and SSE write one debug line each, with its request id, and are counted`, async () => {
    const before = await readMetrics(service.metricsUrl);
    const requests: { id: string; init: () => RequestInit; url?: string }[] = [];
    for (let i = 0; i < EACH; i += 1) {
      requests.push({ id: nextId('post'), init: () => json({}, { query: QUERY }) });
      requests.push({ id: nextId('forged'), init: () => json({ authorization: 'Bearer not-a-jwt' }, { query: QUERY }) });
      requests.push({
        id: nextId('sse'),
        init: () => ({ ...json({}, { query: 'subscription { notificationsChanged { action } }' }), headers: { 'content-type': 'application/json', accept: 'text/event-stream' } }),
      });
      requests.push({
        id: nextId('get'),
        url: `${service.url}?query=${encodeURIComponent(QUERY)}`,
        init: () => ({ headers: { 'x-graphql-csrf': '1', accept: 'application/json' } }),
      });
    }
    for (const { id, init, url } of requests) {
      const base = init();
      const answer = await request(url ?? service.url, { ...base, headers: { ...(base.headers as Record<string, string>), 'x-request-id': id } });
      expect(answer.status, answer.text).toBe(401);
      expect(answer.text).toContain('UNAUTHENTICATED');
    }

    const after = await readMetrics(service.metricsUrl);
    const refused = (samples: typeof after) => sample(samples, 'notify_requests_refused_total', { transport: 'http', reason: 'UNAUTHENTICATED' });
    expect(refused(after) - refused(before)).toBe(requests.length);

    // The metrics answer came after every refusal; their lines were written before it, and pino
    // writes in order: a line for the last request proves every earlier line is in.
    await service.lineMatching((line) => line.requestId === requests.at(-1)!.id);
    const lines = service.stdout.map(parse);
    for (const { id } of requests) {
      const own = lines.filter((line) => line.requestId === id);
      expect(own, `lines of ${id}`).toHaveLength(1);
      expect(own[0]!.level, JSON.stringify(own[0])).toBe(20);
    }
    // Nothing else about them, at any level above debug: no request-less copy from Yoga.
    const loud = lines.filter((line) => line.level > 20 && (JSON.stringify(line).includes('UNAUTHENTICATED') || line.component === 'yoga'));
    expect(loud).toEqual([]);
  });
});

describe('WebSocket frames a client should not send', () => {
  const cases = [
    { name: 'a frame over 64 KiB before connection_init', frame: () => wsFrame(0x1, 'x'.repeat(WS_PAYLOAD_LIMIT + 1)), close: 1009, reason: 'MESSAGE_TOO_LARGE' },
    { name: 'an unmasked frame', frame: () => wsFrame(0x1, '{"type":"connection_init"}', { mask: false }), close: 1002, reason: 'BAD_FRAME' },
    { name: 'a message that is not graphql-ws', frame: () => wsFrame(0x1, '{"type":"hello"}'), close: 4400, reason: 'BAD_REQUEST' },
    { name: 'connection_init without a token', frame: () => wsFrame(0x1, '{"type":"connection_init"}'), close: 4403, reason: 'UNAUTHENTICATED' },
  ];
  it.each(cases)('$name: closed with $close, counted as $reason, one debug line at most', async ({ frame, close, reason }) => {
    const before = sample(await readMetrics(service.metricsUrl), 'notify_requests_refused_total', { transport: 'websocket', reason });
    const socket = await rawWebSocket(service.wsUrl);
    expect(socket.status).toBe(101);
    socket.write(frame());
    const end = await socket.ended;
    socket.destroy();
    expect(end.code, JSON.stringify(end)).toBe(close);
    const line = await service.lineMatching((l) => l.component === 'websocket' && l.code === reason && l.level === 20);
    expect(line.requestId).toEqual(expect.any(String));
    const after = sample(await readMetrics(service.metricsUrl), 'notify_requests_refused_total', { transport: 'websocket', reason });
    expect(after - before).toBe(1);
  });
});

describe('the whole run', () => {
  it('wrote nothing on stderr, only JSON lines on stdout, and no line above debug about any client', async () => {
    // Every line the process will ever write is in once it has exited and its pipes have ended.
    await service.stop();
    expect(service.stderr.filter((line) => line.trim() !== '')).toEqual([]);
    const notJson = service.stdout.filter((line) => line.trim() !== '' && !line.startsWith('{'));
    expect(notJson).toEqual([]);
    const lines = service.stdout.map(parse);
    const aboutClients = lines.filter((line) => line.level > 20 && (line.component === 'websocket' || line.component === 'yoga' || line.requestId !== undefined));
    expect(aboutClients).toEqual([]);
  });
});
