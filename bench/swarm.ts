/**
 * Many graphql-ws connections from the bench process, one subscription each, speaking the
 * protocol directly on `ws` (connection_init with the user's token, subscribe, next): the
 * graphql-ws client keeps timers and state per connection that thousands of them do not need,
 * and the bench's own memory is not what is measured. Each connection reports its pushes with its
 * index and the arrival time.
 */
import WebSocket from 'ws';
import { runConcurrently, wallClockMs, within } from './stats.js';

const OPEN_TIMEOUT_MS = 30_000;

export interface Swarm {
  readonly size: number;
  /** Protocol errors and unexpected closes so far (the first few, and how many). */
  readonly failures: { count: number; first: string[] };
  close(): Promise<void>;
}

interface ServerMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

function openOne(url: string, token: string, query: string, onNext: (payload: unknown, at: number) => void, onFailure: (why: string) => void): Promise<WebSocket> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
  let acknowledged = false;
  const opened = new Promise<WebSocket>((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data: Buffer) => {
      const at = wallClockMs();
      const message = JSON.parse(data.toString('utf8')) as ServerMessage;
      if (message.type === 'next') onNext(message.payload, at);
      else if (message.type === 'connection_ack') {
        acknowledged = true;
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
        resolve(socket);
      } else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      else if (message.type === 'error' || message.type === 'complete') onFailure(`${message.type}: ${JSON.stringify(message.payload)}`);
    });
    socket.on('error', (error) => (acknowledged ? onFailure(error.message) : reject(error)));
    socket.on('close', (code, reason) => {
      if (!acknowledged) reject(new Error(`closed before connection_ack: ${code} ${reason.toString()}`));
      else if (code !== 1000) onFailure(`closed: ${code} ${reason.toString()}`);
    });
  });
  return within(opened, OPEN_TIMEOUT_MS, 'a graphql-ws connection_ack').catch((error: unknown) => {
    socket.terminate();
    throw error;
  });
}

/**
 * Opens one connection per token (`concurrency` at a time), each subscribing with `query` once
 * acknowledged. Resolves when every connection is acknowledged and its subscribe sent; the server
 * starts the subscription a moment later (there is no acknowledgement of a subscribe).
 */
export async function openSwarm(
  httpUrl: string,
  tokens: readonly string[],
  query: string,
  concurrency: number,
  onNext: (index: number, payload: unknown, at: number) => void,
): Promise<Swarm> {
  const url = httpUrl.replace(/^http/, 'ws');
  const sockets: WebSocket[] = [];
  const failures = { count: 0, first: [] as string[] };
  const onFailure = (why: string) => {
    failures.count += 1;
    if (failures.first.length < 5) failures.first.push(why);
  };
  const close = async () => {
    await Promise.all(
      sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            socket.once('close', () => resolve());
            socket.close(1000);
            // A socket that does not close in time is cut.
            setTimeout(() => socket.terminate(), 5_000).unref();
          }),
      ),
    );
  };
  try {
    await runConcurrently(tokens.length, concurrency, async (index) => {
      sockets.push(await openOne(url, tokens[index]!, query, (payload, at) => onNext(index, payload, at), onFailure));
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { size: sockets.length, failures, close };
}
