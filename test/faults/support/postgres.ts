/**
 * A PostgreSQL server of the test's own: `initdb` into a temp folder with the machine's binaries
 * (/usr/lib/postgresql/<version>/bin), its own port, trust auth, stopped and started at will. Run
 * as the `postgres` user when the tests run as root (initdb refuses root). Never the shared one.
 */
import { chown, mkdtemp, readdir, rm, access } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePorts, runCommand } from './processes.js';

export interface LocalPostgres {
  port: number;
  /** A connection URL for `database`. */
  url(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m <mode>`: resolves once the server is down. */
  stop(mode?: 'fast' | 'immediate' | 'smart'): Promise<void>;
  /** `pg_ctl start -w`: resolves once the server accepts connections. */
  start(): Promise<void>;
  readonly logFile: string;
  /** Stops the server (immediate) and removes its folder. */
  destroy(): Promise<void>;
}

async function postgresBin(): Promise<string> {
  const root = '/usr/lib/postgresql';
  const versions = (await readdir(root).catch(() => [] as string[])).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = path.join(root, version, 'bin');
    if (await access(path.join(bin, 'initdb')).then(() => true, () => false)) return bin;
  }
  throw new Error('no PostgreSQL binaries under /usr/lib/postgresql/*/bin (install the postgresql package)');
}

export async function startPostgres(): Promise<LocalPostgres> {
  const bin = await postgresBin();
  const base = await mkdtemp(path.join(tmpdir(), 'kafka-notify-faults-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    await chown(base, uid, gid);
  }
  const as = (command: string, args: string[]) =>
    asRoot ? runCommand('runuser', ['-u', 'postgres', '--', path.join(bin, command), ...args], { cwd: base }) : runCommand(path.join(bin, command), args, { cwd: base });
  const dataDir = path.join(base, 'data');
  const logFile = path.join(base, 'postgres.log');
  await as('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('no free port');
  const options = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c max_connections=200`;
  let running = false;

  const server: LocalPostgres = {
    port,
    logFile,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: server.url('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } finally {
        await client.end();
      }
      return server.url(name);
    },
    async stop(mode = 'fast') {
      await as('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60']);
      running = false;
    },
    async start() {
      await as('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60']);
      running = true;
    },
    async destroy() {
      if (running) await server.stop('immediate').catch(() => undefined);
      await rm(base, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
