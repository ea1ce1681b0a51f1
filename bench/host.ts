/**
 * The server process of the bench: runs the real system (startSystem), the bare Yoga baseline or
 * the bare node:http one, one at a time, on the bench's command. Kept apart from the load
 * generator so that the clients and the server do not share one event loop. It ends when the
 * bench disconnects, stopping what it runs first.
 */
import { parseConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import type { User } from '../src/notifications/notification.js';
import { startSystem } from '../src/system.js';
import { startBareHttp } from './bare-http.js';
import { startBareYoga } from './bare-yoga.js';
import type { HostCommand, HostReply, HostRequest, HostResult } from './host-protocol.js';
import { wallClockMs } from './stats.js';

let running: { stop(): Promise<void>; seedUsers?: (users: User[]) => Promise<void> } | undefined;

async function handle(command: HostCommand): Promise<HostResult> {
  switch (command.op) {
    case 'start-system': {
      if (running) throw new Error('something is already running');
      const config = parseConfig(command.env);
      const log = createLogger(config.log);
      const startCalledAt = wallClockMs();
      const system = await startSystem({
        config,
        brokers: command.brokers,
        log,
        ...(command.pgSchema !== undefined && { pgSchema: command.pgSchema }),
      });
      const startReturnedAt = wallClockMs();
      running = { stop: () => system.stop(), seedUsers: (users) => system.store.seedUsers(users) };
      await system.store.seedUsers(command.users);
      return { url: system.url, startCalledAt, startReturnedAt };
    }
    case 'start-bare-yoga': {
      if (running) throw new Error('something is already running');
      const startCalledAt = wallClockMs();
      const bare = await startBareYoga();
      running = bare;
      return { url: bare.url, startCalledAt, startReturnedAt: wallClockMs() };
    }
    case 'start-bare-http': {
      if (running) throw new Error('something is already running');
      const startCalledAt = wallClockMs();
      const bare = await startBareHttp();
      running = bare;
      return { url: bare.url, startCalledAt, startReturnedAt: wallClockMs() };
    }
    case 'seed-users': {
      if (!running?.seedUsers) throw new Error('no system is running');
      await running.seedUsers(command.users);
      return { seeded: command.users.length };
    }
    case 'gc': {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      return { collected: gc !== undefined };
    }
    case 'stop': {
      const current = running;
      running = undefined;
      await current?.stop();
      return { stopped: true };
    }
  }
}

function reply(message: HostReply): void {
  process.send?.(message);
}

process.on('message', (message: HostRequest) => {
  handle(message).then(
    (result) => reply({ id: message.id, ok: true, result }),
    (error: unknown) => reply({ id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});

// The bench drives shutdown (a terminal's Ctrl-C reaches this process too): stop only when told,
// or when the bench is gone.
process.on('SIGINT', () => {});
process.on('disconnect', () => {
  const current = running;
  running = undefined;
  void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
