/** Messages between the bench and its server process (bench/host.ts), over the fork IPC channel. */
import type { User } from '../src/notifications/notification.js';

export type HostCommand =
  | {
      op: 'start-system';
      /** The variables parseConfig reads (not the process environment). */
      env: Record<string, string>;
      brokers: string[];
      pgSchema?: string;
      /** Seeded once the system runs, so that mutations may name them. */
      users: User[];
    }
  | { op: 'start-bare-yoga' }
  /** The HTTP trigger API's baseline: a bare node:http server answering 200 to any request (bench/bare-http.ts). */
  | { op: 'start-bare-http' }
  /** Adds users to the running system's store (the connections figure's thousands of them). */
  | { op: 'seed-users'; users: User[] }
  /** A full garbage collection (the process runs with --expose-gc), before a memory reading. */
  | { op: 'gc' }
  | { op: 'stop' };

export interface HostStarted {
  url: string;
  /** wallClockMs() around startSystem (or the bare server's start). */
  startCalledAt: number;
  startReturnedAt: number;
}

export type HostResult = HostStarted | { stopped: true } | { seeded: number } | { collected: boolean };

export type HostRequest = { id: number } & HostCommand;
export type HostReply = { id: number } & ({ ok: true; result: HostResult } | { ok: false; error: string });
