/**
 * A network failure for chosen WebSocket clients, made on the server side: `drop()` destroys
 * their open sockets (the browser sees 1006, as when Wi-Fi goes) and refuses their reconnects
 * until `restore()`, so a test decides exactly what happens while they are away.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

export function networkGate(server: Server, affects: (request: IncomingMessage) => boolean) {
  let down = false;
  const open = new Set<Duplex>();
  // Before the WebSocket server's own listener, so a refused upgrade never reaches it alive.
  server.prependListener('upgrade', (request: IncomingMessage, socket: Duplex) => {
    if (!affects(request)) return;
    if (down) {
      socket.destroy();
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    drop() {
      down = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      down = false;
    },
    openSockets: () => open.size,
  };
}
