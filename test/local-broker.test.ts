// The jar-based broker launcher, on the real jars: these brokers are started here, beside the
// run's shared broker, because what is tested is their start, stop and restart.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as developmentEntry from '../src/dev/index.js';
import { freePorts, startLocalBroker, type LocalBroker } from '../src/dev/local-broker/index.js';
import { projectPaths } from '../src/dev/paths.js';
import { loadDevelopmentAids, type DevelopmentAids } from '../src/development.js';

describe('local Kafka broker launcher, as main.ts loads it', () => {
  it('is found in the source tree, behind the development entry main.ts asks', async () => {
    // The annotation is the check: main.ts loads src/dev by a name tsc does not follow.
    const aids: DevelopmentAids = developmentEntry;
    expect((await loadDevelopmentAids())?.startDevelopment).toBe(aids.startDevelopment);
  });

  it('hands out distinct free ports', async () => {
    const ports = await freePorts(4);
    expect(new Set(ports).size).toBe(4);
    for (const port of ports) expect(await connectionRefused(`127.0.0.1:${port}`)).toBe(true);
  });
});

describe('local Kafka broker', { timeout: 180_000 }, () => {
  let dataDir: string;
  const brokers: LocalBroker[] = [];
  const logLines: string[] = [];

  async function start(): Promise<LocalBroker> {
    const broker = await startLocalBroker({
      dataDir,
      cacheDir: projectPaths().cacheDir,
      log: (line) => logLines.push(line),
    });
    brokers.push(broker);
    return broker;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'local-broker-test-'));
  });

  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop()));
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers kafkajs, stops completely, and keeps its topics across a restart on new ports', async () => {
    const first = await start();
    await withAdmin(first.brokers, async (admin) => {
      await admin.createTopics({ topics: [{ topic: 'kept' }], waitForLeaders: true });
      expect(await admin.listTopics()).toContain('kept');
    });

    await first.stop();
    await first.stop();
    expect(isRunning(first.pid)).toBe(false);
    expect(await connectionRefused(first.brokers[0] ?? '')).toBe(true);

    const second = await start();
    await withAdmin(second.brokers, async (admin) => {
      expect(await admin.listTopics()).toContain('kept');
    });
    await second.stop();
  });

  it('stops a broker left running by a run that crashed, then starts on the same data', async () => {
    const leftover = await start();
    // What a crash leaves behind: the pid file names an owner that no longer exists.
    await writeFile(
      path.join(dataDir, 'broker.pid'),
      JSON.stringify({ pid: leftover.pid, ownerPid: await pidOfFinishedProcess() }),
    );

    const next = await start();
    expect(logLines).toContain(`stopping a Kafka broker (pid ${leftover.pid}) left running by an earlier run…`);
    await waitFor(() => !isRunning(leftover.pid), 5_000);
    await withAdmin(next.brokers, async (admin) => {
      expect(await admin.listTopics()).toContain('kept');
    });
    await next.stop();
  });

  it('refuses a data directory whose broker belongs to a process that still runs', async () => {
    const owned = await start();
    await expect(start()).rejects.toThrow(/is in use by a Kafka broker/);
    expect(isRunning(owned.pid)).toBe(true);
    await owned.stop();
  });
});

async function withAdmin(brokers: string[], use: (admin: Admin) => Promise<void>): Promise<void> {
  const admin = new Kafka({ clientId: 'local-broker-test', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    await use(admin);
  } finally {
    await admin.disconnect();
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function connectionRefused(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  const socket = net.connect(Number(port), host);
  try {
    await once(socket, 'connect');
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
  } finally {
    socket.destroy();
  }
}

async function pidOfFinishedProcess(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('could not run node');
  return child.pid;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
