/**
 * A graceful stop, as SIGTERM does it: a request already in flight is answered, WebSocket
 * clients are told 1001 (going away), SSE streams complete, and nothing new is accepted.
 */
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { adminToken } from '../support/auth.js';
import { sseSubscribe } from '../support/graphql.js';
import { startTestSystem, waitUntilReady } from '../support/system.js';

describe('stopping the app', () => {
  it('answers the request in flight, closes sockets with 1001, completes SSE streams, then refuses connections', async () => {
    const system = await startTestSystem();
    try {
      await waitUntilReady(system);
      const url = new URL(system.url);
      const token = await adminToken;

      // A WebSocket client, acknowledged.
      const socket = new WebSocket(system.wsUrl, 'graphql-transport-ws');
      const acknowledged = new Promise<void>((resolve) => socket.on('message', () => resolve()));
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      await acknowledged;
      const socketClosed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));

      // An SSE stream, set up.
      const stream = await sseSubscribe(system.url, 'subscription { notificationAdded(userId: "2") { id } }');
      const streamEnded = stream.next().then(
        () => 'event',
        (error: unknown) => (error instanceof Error ? error.message : String(error)),
      );

      // A request whose headers and first half of the body are in; the rest comes after stop().
      const body = JSON.stringify({ query: '{ unreadCount(userId: "2") }' });
      const arrived = new Promise<void>((resolve) => system.app.server.once('request', () => resolve()));
      let request!: http.ClientRequest;
      const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
        request = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: url.pathname,
            method: 'POST',
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
          },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          },
        );
        request.on('error', reject);
        request.write(body.slice(0, 10));
      });
      await arrived;

      const stopped = system.app.stop();
      request.end(body.slice(10));
      expect(await answered).toEqual({ status: 200, text: JSON.stringify({ data: { unreadCount: 0 } }) });
      expect(await socketClosed).toBe(1001);
      expect(await streamEnded).toBe('subscription completed');
      await stopped;
      await expect(fetch(new URL('/health', system.url))).rejects.toThrow();
    } finally {
      await system.dispose();
    }
  });
});
