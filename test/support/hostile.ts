/**
 * Tools for the hostile suites (test/e2e/hostile-*.test.ts): raw HTTP and WebSocket clients that
 * can send what real clients never would (half frames, unmasked frames, lying headers), forged
 * tokens, a bounded SSE reader, a heap measure after a forced collection, and the checks every
 * refusal must pass (a code, a bounded message, nothing internal).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import { SignJWT, UnsecuredJWT } from 'jose';
import { expect } from 'vitest';
import WebSocket from 'ws';
import { TEST_JWT_SECRET } from './auth.js';

export interface WireError {
  message: string;
  extensions?: Record<string, unknown>;
  locations?: unknown;
  path?: unknown;
}

export interface WireResult {
  data?: unknown;
  errors?: WireError[];
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as a GraphQL result, when it is JSON. */
  body: WireResult | null;
}

function asResult(text: string): WireResult | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as WireResult) : null;
  } catch {
    return null;
  }
}

/** One HTTP exchange with fetch; the body is read in full. */
export async function request(url: string, init: RequestInit & { duplex?: 'half' } = {}): Promise<HttpAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: asResult(text) };
}

/** A POST of a GraphQL payload (any JSON, or a raw string) with a bearer token unless `token` is null. */
export async function postGraphQL(
  url: string,
  payload: unknown,
  { token, headers = {}, raw = false }: { token: string | null; headers?: Record<string, string>; raw?: boolean },
): Promise<HttpAnswer> {
  return request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: raw ? (payload as string) : JSON.stringify(payload),
  });
}

/** The codes of a result's errors, in order. */
export const codesOf = (result: WireResult | null | undefined): unknown[] => (result?.errors ?? []).map((error) => error.extensions?.code);

// ---------------------------------------------------------------------------------------------
// Tokens

const encoder = new TextEncoder();
const base64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

async function signed(payload: Record<string, unknown>, { secret = TEST_JWT_SECRET, alg = 'HS256' } = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(encoder.encode(secret));
}

export interface ForgedToken {
  name: string;
  token: string;
}

/** Tokens that must never be accepted: forged, expired, wrongly signed, malformed. */
export async function forgedTokens(): Promise<ForgedToken[]> {
  const now = Math.floor(Date.now() / 1000);
  const valid = await signed({ sub: '2', exp: now + 3600 });
  const [header, payload, signature] = valid.split('.') as [string, string, string];
  const admin = { scope: 'notifications:send notifications:admin' };
  return [
    { name: 'alg none (hand-made)', token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: '2', exp: now + 3600 })}.` },
    { name: 'alg none admin (jose UnsecuredJWT)', token: new UnsecuredJWT({ sub: 'evil', ...admin }).setExpirationTime('1h').encode() },
    { name: 'alg none with a signature kept', token: `${base64url({ alg: 'none' })}.${payload}.${signature}` },
    { name: 'wrong secret', token: await signed({ sub: '2', exp: now + 3600 }, { secret: 'another-secret-that-is-at-least-32-characters' }) },
    { name: 'wrong secret, admin scope', token: await signed({ sub: 'evil', ...admin, exp: now + 3600 }, { secret: 'x'.repeat(32) }) },
    { name: 'empty secret guess', token: await signed({ sub: '2', exp: now + 3600 }, { secret: 'secret' }) },
    { name: 'HS512 with the right secret', token: await signed({ sub: '2', exp: now + 3600 }, { alg: 'HS512' }) },
    { name: 'HS384 with the right secret', token: await signed({ sub: '2', exp: now + 3600 }, { alg: 'HS384' }) },
    { name: 'expired a minute ago', token: await signed({ sub: '2', exp: now - 60 }) },
    { name: 'expired admin', token: await signed({ sub: 'svc', ...admin, exp: now - 3600 }) },
    { name: 'not valid before an hour from now', token: await signed({ sub: '2', nbf: now + 3600, exp: now + 7200 }) },
    { name: 'exp as a string', token: await signed({ sub: '2', exp: 'tomorrow' }) },
    { name: 'no subject', token: await signed({ exp: now + 3600 }) },
    { name: 'empty subject', token: await signed({ sub: '', exp: now + 3600 }) },
    { name: 'numeric subject', token: await signed({ sub: 2, exp: now + 3600 }) },
    { name: 'subject that is no user id', token: await signed({ sub: '2 OR 1=1', exp: now + 3600 }) },
    { name: 'payload swapped to user 3 (signature of user 2)', token: `${header}.${base64url({ sub: '3', exp: now + 3600 })}.${signature}` },
    { name: 'payload swapped to admin scope', token: `${header}.${base64url({ sub: '2', ...admin, exp: now + 3600 })}.${signature}` },
    { name: 'signature truncated', token: `${header}.${payload}.${signature.slice(0, -6)}` },
    { name: 'signature removed', token: `${header}.${payload}.` },
    { name: 'two parts', token: `${header}.${payload}` },
    { name: 'garbage', token: 'not-a-jwt' },
    { name: 'header not JSON', token: `${base64url('{{{')}.${payload}.${signature}` },
    { name: 'over 8 KiB', token: `${header}.${base64url({ sub: '2', pad: 'x'.repeat(9000) })}.${signature}` },
  ];
}

// ---------------------------------------------------------------------------------------------
// SSE

export interface SseAnswer {
  status: number;
  contentType: string | null;
  /** The data of the first `next` event, if one came. */
  first: WireResult | null;
  /** Whether the server ended the stream (a `complete` event or end of body) after it. */
  completed: boolean;
}

/** Opens an SSE subscription and reads it until the server completes it, at most `timeoutMs`; keeps the first event. */
export async function sseFirst(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
  timeoutMs = 5000,
): Promise<SseAnswer> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query, variables }),
      signal: abort.signal,
    });
    const contentType = response.headers.get('content-type');
    if (!contentType?.startsWith('text/event-stream') || !response.body) {
      const text = await response.text();
      return { status: response.status, contentType, first: asResult(text), completed: true };
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let first: WireResult | null = null;
    let completed = false;
    try {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end < 0) {
          const chunk = await reader.read();
          if (chunk.done) {
            completed = true;
            break;
          }
          buffer += chunk.value;
          continue;
        }
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
        const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
        if (event === 'complete') {
          completed = true;
          break;
        }
        if (data && first === null) first = asResult(data);
      }
    } catch (error) {
      // The deadline aborted the read: the stream stayed open.
      if (!abort.signal.aborted) throw error;
    } finally {
      abort.abort();
      await reader.cancel().catch(() => {});
    }
    return { status: response.status, contentType, first, completed };
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket with the `ws` client

export type WsEnd =
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'refused'; status: number }
  | { kind: 'error'; message: string };

export interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

export interface WsSession {
  socket: WebSocket;
  /** Resolves once the socket is open (or rejects with how it ended). */
  opened: Promise<void>;
  /** How the socket ended: a close code, a refused upgrade, or a client-side error. */
  ended: Promise<WsEnd>;
  send(message: unknown): void;
  /** The next message from the server; rejects if the socket ends first. */
  next(): Promise<WsMessage>;
  /** Waits for a message that satisfies `match`, skipping others. */
  until(match: (message: WsMessage) => boolean): Promise<WsMessage>;
  close(): Promise<WsEnd>;
}

export function wsSession(
  url: string,
  { protocol = 'graphql-transport-ws', origin, maxPayload }: { protocol?: string | null; origin?: string; maxPayload?: number } = {},
): WsSession {
  const options: WebSocket.ClientOptions = { ...(origin !== undefined && { origin }), ...(maxPayload !== undefined && { maxPayload }) };
  const socket = protocol === null ? new WebSocket(url, options) : new WebSocket(url, protocol, options);
  const queue: WsMessage[] = [];
  const waiters: { resolve: (message: WsMessage) => void; reject: (error: Error) => void }[] = [];
  let endedWith: WsEnd | null = null;
  let resolveEnded!: (end: WsEnd) => void;
  const ended = new Promise<WsEnd>((resolve) => {
    resolveEnded = resolve;
  });
  const finish = (end: WsEnd) => {
    if (endedWith) return;
    endedWith = end;
    resolveEnded(end);
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`socket ended: ${JSON.stringify(end)}`));
  };
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    void ended.then((end) => reject(new Error(`socket ended before opening: ${JSON.stringify(end)}`)));
  });
  opened.catch(() => {});
  socket.on('message', (data) => {
    let message: WsMessage;
    try {
      message = JSON.parse(String(data)) as WsMessage;
    } catch {
      message = { type: 'unparsable', payload: String(data) };
    }
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(message);
    else queue.push(message);
  });
  socket.on('unexpected-response', (req, res) => {
    finish({ kind: 'refused', status: res.statusCode ?? 0 });
    res.resume();
    req.destroy();
  });
  socket.on('error', (error) => finish({ kind: 'error', message: error.message }));
  socket.on('close', (code, reason) => finish({ kind: 'closed', code, reason: reason.toString() }));

  const next = (): Promise<WsMessage> => {
    const queued = queue.shift();
    if (queued) return Promise.resolve(queued);
    if (endedWith) return Promise.reject(new Error(`socket ended: ${JSON.stringify(endedWith)}`));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };

  return {
    socket,
    opened,
    ended,
    send(message: unknown) {
      socket.send(typeof message === 'string' || Buffer.isBuffer(message) ? message : JSON.stringify(message));
    },
    next,
    async until(match) {
      for (;;) {
        const message = await next();
        if (match(message)) return message;
      }
    },
    async close() {
      if (!endedWith) {
        if (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN) socket.close();
        else socket.terminate();
      }
      return ended;
    },
  };
}

/** Opens a graphql-ws socket and sends connection_init with the token; resolves after the ack. */
export async function wsConnected(url: string, token: string): Promise<WsSession> {
  const session = wsSession(url);
  await session.opened;
  session.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  const ack = await session.next();
  if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
  return session;
}

// ---------------------------------------------------------------------------------------------
// WebSocket over a raw TCP socket: frames no real client would send

/** A client frame: masked by default, with any opcode, flags and declared length. */
export function wsFrame(
  opcode: number,
  payload: Buffer | string,
  { fin = true, rsv = 0, mask = true, declaredLength }: { fin?: boolean; rsv?: number; mask?: boolean; declaredLength?: number } = {},
): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const length = declaredLength ?? data.length;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 0x7) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let extended = Buffer.alloc(0);
  if (length < 126) head.push(maskBit | length);
  else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  if (!mask) return Buffer.concat([Buffer.from(head), extended, data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data.map((byte, index) => byte ^ key[index % 4]!));
  return Buffer.concat([Buffer.from(head), extended, key, masked]);
}

export const closePayload = (code: number, reason = '') => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code);
  payload.write(reason, 2);
  return payload;
};

export interface RawWsEnd {
  /** The server's close code, or null when the TCP connection ended without a close frame. */
  code: number | null;
  reason: string;
  afterMs: number;
}

export interface RawWs {
  /** The HTTP status of the upgrade answer (101 when upgraded). */
  status: number;
  write(bytes: Buffer | string): void;
  /** Text frames received so far. */
  texts: string[];
  /** The next text frame, or null if the connection ends first. */
  nextText(): Promise<string | null>;
  /** The server's close frame or the end of the connection, whichever comes first. */
  ended: Promise<RawWsEnd>;
  destroy(): void;
}

/**
 * Performs the upgrade by hand over node:net, then parses the server's frames. Resolves once
 * the server answered the upgrade (with any status).
 */
export function rawWebSocket(
  url: string,
  { protocol = 'graphql-transport-ws', headerDelayMs }: { protocol?: string; headerDelayMs?: number } = {},
): Promise<RawWs> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolveUpgrade, rejectUpgrade) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const texts: string[] = [];
    const textWaiters: ((text: string | null) => void)[] = [];
    let resolveEnd!: (end: RawWsEnd) => void;
    let endedWith: RawWsEnd | null = null;
    const ended = new Promise<RawWsEnd>((resolve) => {
      resolveEnd = resolve;
    });
    const finish = (code: number | null, reason: string) => {
      if (endedWith) return;
      endedWith = { code, reason, afterMs: Date.now() - started };
      resolveEnd(endedWith);
      for (const waiter of textWaiters.splice(0)) waiter(null);
    };
    const raw: RawWs = {
      status: 0,
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      texts,
      nextText: () => {
        const queued = texts.shift();
        if (queued !== undefined) return Promise.resolve(queued);
        if (endedWith) return Promise.resolve(null);
        return new Promise((resolve) => textWaiters.push(resolve));
      },
      ended,
      destroy: () => socket.destroy(),
    };

    const parseFrames = () => {
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = buffer[0]! & 0x0f;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const payload = buffer.subarray(offset, offset + length);
        buffer = buffer.subarray(offset + length);
        if (opcode === 0x1) {
          const text = payload.toString('utf8');
          const waiter = textWaiters.shift();
          if (waiter) waiter(text);
          else texts.push(text);
        } else if (opcode === 0x8) {
          finish(payload.length >= 2 ? payload.readUInt16BE(0) : 1005, payload.subarray(2).toString('utf8'));
        }
      }
    };

    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1');
        buffer = buffer.subarray(end + 4);
        upgraded = true;
        raw.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        resolveUpgrade(raw);
      }
      parseFrames();
    });
    socket.on('close', () => {
      if (!upgraded) rejectUpgrade(new Error('connection closed before the upgrade was answered'));
      finish(null, '');
    });

    const lines = [
      `GET ${pathname} HTTP/1.1`,
      `Host: ${hostname}:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Protocol: ${protocol}`,
    ];
    socket.once('connect', () => {
      if (headerDelayMs === undefined) {
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        return;
      }
      // A slow client: one header line at a time, never finishing.
      let index = 0;
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(`${lines[index % lines.length]}\r\n`);
        index += 1;
      }, headerDelayMs);
      socket.once('close', () => clearInterval(timer));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Slow HTTP clients over node:net

export interface SlowEnd {
  afterMs: number;
  received: string;
}

/**
 * Writes `first`, then `trickle` every `everyMs` (an empty string: nothing more), and reports
 * when the server closed the connection and what it had sent.
 */
export function slowClient(url: string, first: string, trickle: string, everyMs = 200, giveUpMs = 15_000): Promise<SlowEnd> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let received = '';
    const socket = net.connect(Number(port), hostname, () => {
      if (first) socket.write(first);
    });
    const timer = setInterval(() => {
      if (trickle && !socket.destroyed) socket.write(trickle);
    }, everyMs);
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ afterMs: Date.now() - started, received });
    });
  });
}

/** The payload of a chunked HTTP body. */
function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const line = rest.indexOf('\r\n');
    if (line < 0) return out;
    const size = Number.parseInt(rest.slice(0, line), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(line + 2, line + 2 + size);
    rest = rest.slice(line + 2 + size + 2);
  }
}

/** Sends raw bytes on a fresh connection and collects the answer until the server closes (or `giveUpMs`). */
export function rawHttp(url: string, bytes: string | Buffer, giveUpMs = 5000): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    const giveUp = setTimeout(() => socket.destroy(), giveUpMs);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(giveUp);
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const head = end < 0 ? text : text.slice(0, end);
      let body = end < 0 ? '' : text.slice(end + 4);
      if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? 0), head, body });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Memory

v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/** Heap plus off-heap buffers, after a full collection: what this process (server and test) really holds. */
export function heldBytes(): number {
  collectGarbage();
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** Retries `check` until it stops throwing or `timeoutMs` passes (then throws its last error). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// What every refusal must look like

const LEAKS = ['originalError', 'stacktrace', '    at ', 'node_modules', '.ts:', '.js:', 'SELECT ', 'kafkajs', '127.0.0.1:5432'];

/** Every error has a code, a bounded message and nothing internal; none is INTERNAL_SERVER_ERROR. */
export function expectCleanErrors(errors: readonly WireError[] | undefined, context: string) {
  expect(errors?.length ?? 0, `no errors: ${context}`).toBeGreaterThan(0);
  for (const error of errors ?? []) {
    expect(typeof error.extensions?.code, `an error without a code: ${context}`).toBe('string');
    expect(error.extensions?.code, context).not.toBe('INTERNAL_SERVER_ERROR');
    expect(error.message.length, `an unbounded message: ${context.slice(0, 300)}`).toBeLessThanOrEqual(301);
  }
  const text = JSON.stringify(errors);
  for (const leak of LEAKS) expect(text, `leaks ${leak}`).not.toContain(leak);
}

/** The answer is a GraphQL error response carrying `code` (alone, or among `alsoAllowed`). */
export function expectCode(
  answer: HttpAnswer,
  expected: string | string[],
  { status, field, alsoAllowed = [] }: { status?: number | number[]; field?: string; alsoAllowed?: string[] } = {},
) {
  const context = `${answer.status} ${answer.text.slice(0, 600)}`;
  expect(answer.body, `not a JSON GraphQL answer: ${context}`).not.toBeNull();
  expectCleanErrors(answer.body?.errors, context);
  const codes = codesOf(answer.body);
  const accepted = Array.isArray(expected) ? expected : [expected];
  const code = accepted.find((candidate) => codes.includes(candidate));
  expect(code, `expected one of ${accepted.join(', ')}: ${context}`).toBeDefined();
  for (const other of codes) expect([...accepted, ...alsoAllowed], context).toContain(other);
  if (status !== undefined) expect(Array.isArray(status) ? status : [status], context).toContain(answer.status);
  if (field !== undefined) {
    const withCode = answer.body?.errors?.find((error) => error.extensions?.code === code);
    expect(withCode?.extensions?.field, context).toBe(field);
  }
  const data = answer.body?.data as Record<string, unknown> | null | undefined;
  if (data) for (const value of Object.values(data)) expect(value, `refused yet answered: ${context}`).toBeNull();
}

/** graphql-ws: the errors the server sent for operation `id` (as an `error`, or a `next` carrying errors). */
export async function operationErrors(session: WsSession, id: string): Promise<WireError[]> {
  const message = await session.until((m) => m.id === id && (m.type === 'error' || m.type === 'next'));
  if (message.type === 'error') return message.payload as WireError[];
  return (message.payload as WireResult).errors ?? [];
}

export function expectClosed(end: WsEnd, code: number) {
  expect(end, JSON.stringify(end)).toMatchObject({ kind: 'closed', code });
}
