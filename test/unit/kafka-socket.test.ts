// The socket factory's one difference from kafkajs's: unref() on a dead socket adds no listener,
// so a broker away for long stacks none (issue 15's MaxListenersExceededWarning).
import net from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { socketFactory } from '../../src/kafka/client.js';

/** Resolves when the socket closed, whatever error it met on the way. */
function closed(socket: net.Socket): Promise<void> {
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** A port nothing listens on: connecting is refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('socketFactory', () => {
  it('adds no listener when a socket that died is unref()ed again and again, as kafkajs does on each failed reconnect', async () => {
    const port = await closedPort();
    const socket = socketFactory({ host: '127.0.0.1', port, ssl: false, onConnect: () => {} });
    await closed(socket);
    const before = socket.listenerCount('connect');
    for (let i = 0; i < 20; i += 1) socket.unref();
    expect(socket.listenerCount('connect')).toBe(before);
  });

  it("Node's own socket does add one per call: the leak this guards against", async () => {
    const port = await closedPort();
    const socket = net.connect({ host: '127.0.0.1', port });
    await closed(socket);
    const before = socket.listenerCount('connect');
    for (let i = 0; i < 20; i += 1) socket.unref();
    expect(socket.listenerCount('connect')).toBe(before + 20);
  });

  it('still connects and unrefs a live socket', async () => {
    const server = net.createServer((peer) => peer.end()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    let connected = false;
    const socket = socketFactory({ host: '127.0.0.1', port, ssl: false, onConnect: () => (connected = true) });
    await once(socket, 'connect');
    expect(connected).toBe(true);
    expect(socket.unref()).toBe(socket);
    const ended = closed(socket);
    socket.destroy();
    await ended;
    server.close();
  });
});
