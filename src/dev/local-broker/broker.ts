// A real single-node Apache Kafka (KRaft) broker run from Kafka's own jars, as a child process, so
// `npm start` and `npm test` work on a machine with Java and Maven but no Docker engine.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pTimeout from 'p-timeout';
import { projectPaths } from '../paths.js';
import { brokerFiles } from './files.js';
import { ensureKafkaJars } from './jars.js';
import { logTail } from './output.js';
import { removePidRecordIfOurs, stopLeftoverBroker, writePidRecord } from './pid-records.js';
import { freePorts } from './ports.js';
import { serverProperties } from './properties.js';
import { canListTopics } from './readiness.js';
import { formatStorageOnce } from './storage.js';
import { JVM_LOGGING, requireJava } from './tools.js';

export interface LocalBrokerOptions {
  /** Holds server.properties, the broker's data, its log file and its pid file; reused across runs. */
  dataDir: string;
  /** Where the jars are kept (`<cacheDir>/kafka-<version>/lib`); the repository's .cache/ when omitted. */
  cacheDir?: string;
  log: (line: string) => void;
  /** The client port; a free one when omitted. */
  port?: number;
  heapMb?: number;
}

export interface LocalBroker {
  brokers: string[];
  /** The broker's stdout and stderr. */
  logFile: string;
  /** The java process, for checks that it is gone. */
  pid: number;
  /** SIGTERM, then SIGKILL after a bounded wait; safe to call more than once. */
  stop(): Promise<void>;
  /**
   * SIGKILL at once, for a process that is exiting and cannot wait for stop(); does nothing once the
   * broker has exited, so a pid reused since is never signalled.
   */
  kill(): void;
}

const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 200;
const STOP_TIMEOUT_MS = 15_000;

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const java = await requireJava();
  const libDir = await ensureKafkaJars({ cacheDir: options.cacheDir ?? projectPaths().cacheDir, log: options.log });
  const classpath = path.join(libDir, '*');
  const files = brokerFiles(options.dataDir);
  await mkdir(files.logDirs, { recursive: true });
  await stopLeftoverBroker(files, options.log);

  options.log('starting Kafka broker…');
  const started = performance.now();
  const ports = options.port === undefined ? await freePorts(2) : [options.port, ...(await freePorts(1))];
  const [port, controllerPort] = ports as [number, number];
  await writeFile(files.properties, serverProperties({ port, controllerPort, logDirs: files.logDirs }));
  await formatStorageOnce(java, classpath, files);

  const heapMb = options.heapMb ?? 512;
  const logFd = openSync(files.log, 'w');
  let child: ChildProcess;
  try {
    child = spawn(
      java,
      [
        `-Xms${Math.min(128, heapMb)}m`,
        `-Xmx${heapMb}m`,
        // A broker that ran out of memory should die, not linger half-alive holding the port.
        '-XX:+ExitOnOutOfMemoryError',
        ...JVM_LOGGING,
        '-cp',
        classpath,
        'kafka.Kafka',
        files.properties,
      ],
      // Its own process group: a terminal's Ctrl-C reaches only our process, whose owner (main.ts,
      // the CLI, the tests' teardown) then stops the broker in order.
      { cwd: files.dataDir, detached: true, stdio: ['ignore', logFd, logFd] },
    );
  } finally {
    closeSync(logFd);
  }

  let exitDescription: string | undefined;
  let ready = false;
  let stopRequested = false;
  const exited = new Promise<void>((resolve) => {
    const settle = (description: string): void => {
      if (exitDescription !== undefined) return;
      exitDescription = description;
      // Before it is ready, the error thrown by the readiness loop reports the exit instead.
      if (ready && !stopRequested) options.log(`Kafka broker ${description}; see ${files.log}`);
      resolve();
    };
    child.once('exit', (code, signal) => settle(signal ? `was killed by ${signal}` : `exited with code ${code}`));
    child.once('error', (error) => settle(`could not be run (${error.message})`));
  });
  const pid = child.pid;
  if (pid === undefined) {
    stopRequested = true;
    await exited;
    throw new Error(`Kafka broker ${exitDescription ?? 'did not start'}`);
  }

  const kill = (): void => {
    if (exitDescription === undefined) child.kill('SIGKILL');
  };
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      stopRequested = true;
      if (exitDescription === undefined) {
        child.kill('SIGTERM');
        if (!(await settlesWithin(exited, STOP_TIMEOUT_MS))) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await removePidRecordIfOurs(files.pid, pid);
    })());

  const brokers = [`127.0.0.1:${port}`];
  try {
    await writePidRecord(files.pid, pid);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await canListTopics(brokers))) {
      const problem =
        exitDescription ?? (Date.now() >= deadline ? `was not ready after ${READY_TIMEOUT_MS / 1000} s` : undefined);
      if (problem !== undefined) {
        throw new Error(`Kafka broker ${problem}. Last lines of ${files.log}:\n${await logTail(files.log)}`);
      }
      // A pause between attempts that ends early when the broker exits, so a crash is reported at once.
      await settlesWithin(exited, READY_POLL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  ready = true;
  options.log(`Kafka broker ready on ${brokers[0]} in ${Math.round(performance.now() - started)} ms`);
  return { brokers, logFile: files.log, pid, stop, kill };
}

/** True when `promise` settles within `ms`; p-timeout clears its timer either way. */
function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return pTimeout(
    promise.then(() => true),
    { milliseconds: ms, fallback: () => false },
  );
}
