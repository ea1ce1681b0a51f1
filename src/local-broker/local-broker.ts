// A real single-node Apache Kafka (KRaft) broker run from Kafka's own jars, as a child process, so
// `npm start` and `npm test` work on a machine with Java and Maven but no Docker engine.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';

export const KAFKA_VERSION = '4.1.1';

export interface LocalBrokerOptions {
  /** Holds server.properties, the broker's data, its log file and its pid file; reused across runs. */
  dataDir: string;
  /** Where the jars are kept (`<cacheDir>/kafka-<version>/lib`). */
  cacheDir: string;
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
}

/** Java or Maven is missing; the message names the ways to run without them. */
export class KafkaToolsMissingError extends Error {
  override name = 'KafkaToolsMissingError';
}

const POM_FILE = fileURLToPath(new URL('./pom.xml', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 200;
const STOP_TIMEOUT_MS = 15_000;
const LOG_TAIL_LINES = 40;
// slf4j-simple writes to stderr; at warn the broker says little unless something is wrong.
const JVM_LOGGING = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
];

const run = promisify(execFile);

export async function ensureKafkaJars(options: {
  cacheDir: string;
  log: (line: string) => void;
}): Promise<string> {
  const versionDir = path.resolve(options.cacheDir, `kafka-${KAFKA_VERSION}`);
  const libDir = path.join(versionDir, 'lib');
  const marker = path.join(versionDir, 'complete');
  // The marker holds the pom's hash, so changing the pom (say, the SLF4J binding) refetches.
  const pomHash = createHash('sha256')
    .update(await readFile(POM_FILE))
    .digest('hex');
  const recorded = await readFile(marker, 'utf8').catch(() => '');
  if (recorded.trim() === pomHash) return libDir;

  const mvn = await findOnPath('mvn');
  if (!(await findJava())) throw toolMissing('java', 'Java 17 or newer');
  if (!mvn) throw toolMissing('mvn', 'Apache Maven, to fetch Kafka from Maven Central');

  options.log(`fetching Kafka ${KAFKA_VERSION} jars…`);
  const started = performance.now();
  await rm(marker, { force: true });
  // Fetched beside the final folder and renamed once complete, so an interrupted fetch never
  // leaves a half-filled lib/ that looks usable.
  const partialDir = path.join(versionDir, 'lib.partial');
  await rm(partialDir, { recursive: true, force: true });
  await mkdir(versionDir, { recursive: true });
  try {
    await run(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        POM_FILE,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${partialDir}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    throw new Error(`Maven could not fetch Kafka ${KAFKA_VERSION}:\n${tail(processOutput(error))}`, {
      cause: error,
    });
  }
  await rm(libDir, { recursive: true, force: true });
  await rename(partialDir, libDir);
  await writeFile(marker, `${pomHash}\n`);
  options.log(`Kafka ${KAFKA_VERSION} jars fetched in ${elapsed(started)} ms into ${libDir}`);
  return libDir;
}

export async function startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker> {
  const java = await findJava();
  if (!java) throw toolMissing('java', 'Java 17 or newer');
  const libDir = await ensureKafkaJars(options);
  const classpath = path.join(libDir, '*');
  const files = brokerFiles(path.resolve(options.dataDir));
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
      // Its own process group: a terminal's Ctrl-C reaches only us, and we stop the broker in order.
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
      untrack(child);
      // Before it is ready, the error thrown by the readiness loop reports the exit instead.
      if (ready && !stopRequested) options.log(`Kafka broker ${description}; see ${files.log}`);
      resolve();
    };
    child.once('exit', (code, signal) =>
      settle(signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
    child.once('error', (error) => settle(`could not be run (${error.message})`));
  });
  const pid = child.pid;
  if (pid === undefined) {
    stopRequested = true;
    await exited;
    throw new Error(`Kafka broker ${exitDescription ?? 'did not start'}`);
  }
  track(child);

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
      await removePidFileIfOurs(files.pid, pid);
    })());

  const brokers = [`127.0.0.1:${port}`];
  try {
    const pidRecord: PidRecord = { pid, ownerPid: process.pid };
    await writeFile(files.pid, `${JSON.stringify(pidRecord)}\n`);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await canListTopics(brokers))) {
      const problem =
        exitDescription ??
        (Date.now() >= deadline ? `was not ready after ${READY_TIMEOUT_MS / 1000} s` : undefined);
      if (problem !== undefined) {
        throw new Error(`Kafka broker ${problem}. Last lines of ${files.log}:\n${await logTail(files.log)}`);
      }
      await settlesWithin(exited, READY_POLL_MS);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  ready = true;
  options.log(`Kafka broker ready on ${brokers[0]} in ${elapsed(started)} ms`);
  return { brokers, logFile: files.log, pid, stop };
}

interface BrokerFiles {
  dataDir: string;
  properties: string;
  logDirs: string;
  log: string;
  pid: string;
}

function brokerFiles(dataDir: string): BrokerFiles {
  return {
    dataDir,
    properties: path.join(dataDir, 'server.properties'),
    logDirs: path.join(dataDir, 'kraft'),
    log: path.join(dataDir, 'broker.log'),
    pid: path.join(dataDir, 'broker.pid'),
  };
}

function serverProperties(p: { port: number; controllerPort: number; logDirs: string }): string {
  // The controller port may differ from the last run: a static voter set is read from this file
  // on every start, not from the formatted storage, so a restart on new ports keeps the data.
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${p.logDirs}`,
    'num.partitions=3',
    // One broker: every internal topic has a single replica, and a single partition where the
    // count is ours to choose, so the first consumer group starts fast.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // broker.session.timeout.ms stays at Kafka's 9 s: after an unclean exit (SIGKILL) the next start
    // waits that long for the old registration to expire, but a shorter one would fence the broker
    // whenever a loaded machine delays its heartbeats.
    '',
  ].join('\n');
}

async function formatStorageOnce(java: string, classpath: string, files: BrokerFiles): Promise<void> {
  // Formatting again, even with --ignore-formatted, needs the same cluster id; the storage
  // already records it, so a formatted directory is simply left alone.
  if (await exists(path.join(files.logDirs, 'meta.properties'))) return;
  try {
    await run(java, [
      ...JVM_LOGGING,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      newClusterId(),
      '-c',
      files.properties,
    ]);
  } catch (error) {
    throw new Error(`could not format Kafka storage in ${files.logDirs}:\n${tail(processOutput(error))}`, {
      cause: error,
    });
  }
}

function newClusterId(): string {
  // Kafka's Uuid is 16 random bytes in base64url; one starting with '-' would read as an option.
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Free TCP ports on 127.0.0.1; every probe stays open until all are known, so the OS cannot hand one out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i += 1) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no TCP address to probe');
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

async function canListTopics(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'local-broker-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// --- a broker left running by a run that crashed ------------------------------------------------

interface PidRecord {
  pid: number;
  /** The process that started the broker; while it lives, the broker is not ours to stop. */
  ownerPid: number;
}

async function stopLeftoverBroker(files: BrokerFiles, log: (line: string) => void): Promise<void> {
  const record = await readPidRecord(files.pid);
  if (!record) return;
  const info = await processInfo(record.pid);
  const isOurBroker =
    info !== undefined &&
    !info.zombie &&
    info.command.includes('kafka.Kafka') &&
    info.command.includes(files.properties);
  if (!isOurBroker) {
    await rm(files.pid, { force: true });
    return;
  }
  if (info.ppid === record.ownerPid) {
    throw new Error(
      `${files.dataDir} is in use by a Kafka broker (pid ${record.pid}) that process ${record.ownerPid} ` +
        'started and still runs; stop that process or use another data directory',
    );
  }
  log(`stopping a Kafka broker (pid ${record.pid}) left running by an earlier run…`);
  signal(record.pid, 'SIGTERM');
  if (!(await processGoneWithin(record.pid, STOP_TIMEOUT_MS))) {
    signal(record.pid, 'SIGKILL');
    if (!(await processGoneWithin(record.pid, 5_000))) {
      throw new Error(`could not stop the Kafka broker left running by an earlier run (pid ${record.pid})`);
    }
  }
  await rm(files.pid, { force: true });
}

async function readPidRecord(file: string): Promise<PidRecord | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { pid, ownerPid } = parsed as Record<string, unknown>;
  if (!Number.isInteger(pid) || !Number.isInteger(ownerPid)) return undefined;
  return { pid: pid as number, ownerPid: ownerPid as number };
}

async function removePidFileIfOurs(file: string, pid: number): Promise<void> {
  // A later start on the same directory may already have replaced the file with its own.
  if ((await readPidRecord(file))?.pid === pid) await rm(file, { force: true });
}

interface ProcessInfo {
  ppid: number;
  command: string;
  zombie: boolean;
}

async function processInfo(pid: number): Promise<ProcessInfo | undefined> {
  if (process.platform === 'linux') {
    try {
      const [stat, cmdline] = await Promise.all([
        readFile(`/proc/${pid}/stat`, 'utf8'),
        readFile(`/proc/${pid}/cmdline`, 'utf8'),
      ]);
      // The command name in parentheses may itself hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(ppid), command: cmdline.replaceAll('\0', ' '), zombie: state === 'Z' };
    } catch {
      return undefined;
    }
  }
  try {
    const { stdout } = await run('ps', ['-o', 'ppid=', '-o', 'stat=', '-o', 'args=', '-p', String(pid)]);
    const match = /^\s*(\d+)\s+(\S+)\s+(.*)$/s.exec(stdout.trim());
    if (!match) return undefined;
    return { ppid: Number(match[1]), command: match[3] ?? '', zombie: (match[2] ?? '').startsWith('Z') };
  } catch {
    return undefined;
  }
}

async function processGoneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    const info = await processInfo(pid);
    if (info === undefined || info.zombie) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

// --- no orphan broker ---------------------------------------------------------------------------
// The broker is in its own process group, so nothing the terminal sends reaches it: if our
// process ends without calling stop(), it must still take the broker down with it. Shutdown
// itself belongs to main.ts (and the CLI, and vitest); these hooks only act when nobody else
// listens, as a last resort against a JVM left running.

const liveBrokers = new Set<ChildProcess>();
const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killLiveBrokers(): void {
  for (const child of liveBrokers) child.kill('SIGKILL');
}

function onFatalSignal(name: NodeJS.Signals): void {
  // Another listener (main.ts, the CLI, vitest) owns shutdown and will call stop() in order.
  if (process.listenerCount(name) > 1) return;
  killLiveBrokers();
  unhook();
  // With our listener gone the signal has its default effect again: end the process.
  process.kill(process.pid, name);
}

function hook(): void {
  process.on('exit', killLiveBrokers);
  for (const name of FATAL_SIGNALS) process.on(name, onFatalSignal);
}

function unhook(): void {
  process.off('exit', killLiveBrokers);
  for (const name of FATAL_SIGNALS) process.off(name, onFatalSignal);
}

function track(child: ChildProcess): void {
  if (liveBrokers.size === 0) hook();
  liveBrokers.add(child);
}

function untrack(child: ChildProcess): void {
  if (liveBrokers.delete(child) && liveBrokers.size === 0) unhook();
}

// --- small helpers ------------------------------------------------------------------------------

async function findJava(): Promise<string | undefined> {
  const home = process.env.JAVA_HOME;
  if (home) {
    const candidate = path.join(home, 'bin', 'java');
    if (await isExecutable(candidate)) return candidate;
  }
  return findOnPath('java');
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  return access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function toolMissing(tool: string, what: string): KafkaToolsMissingError {
  return new KafkaToolsMissingError(
    `Cannot run a local Kafka broker: \`${tool}\` (${what}) is not on PATH. ` +
      'Install Java 17+ and Maven, or set KAFKA_BROKERS=host:port to use an existing Kafka cluster, ' +
      'or start one with `docker compose up`.',
  );
}

/** Resolves true when `promise` settles within `ms`, false otherwise; leaves no timer behind. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function processOutput(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const { stdout, stderr, message } = error as { stdout?: unknown; stderr?: unknown; message?: unknown };
  const output = [stdout, stderr].filter((part) => typeof part === 'string' && part.trim() !== '').join('\n');
  return output || String(message);
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}

async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  // Java stack frames would push the messages that say what went wrong out of the tail.
  const messages = text
    .split('\n')
    .filter((line) => !/^\s+(at |\.\.\. \d+ more)/.test(line))
    .join('\n');
  return messages.trim() === '' ? '(empty)' : tail(messages);
}

function elapsed(since: number): number {
  return Math.round(performance.now() - since);
}
