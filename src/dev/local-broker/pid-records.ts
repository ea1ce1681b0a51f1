// The pid record a broker leaves in its data directory, so that the next start on that directory
// can stop a broker whose parent died without stopping it (a crash, a kill -9, a closed terminal).
import { readFile, rm, writeFile } from 'node:fs/promises';
import type { BrokerFiles } from './files.js';
import { processGoneWithin, processInfo, signal } from './processes.js';

interface PidRecord {
  pid: number;
  /** The process that started the broker; while it lives, the broker is not ours to stop. */
  ownerPid: number;
}

const TERM_TIMEOUT_MS = 15_000;
const KILL_TIMEOUT_MS = 5_000;

export async function writePidRecord(file: string, pid: number): Promise<void> {
  const record: PidRecord = { pid, ownerPid: process.pid };
  await writeFile(file, `${JSON.stringify(record)}\n`);
}

export async function removePidRecordIfOurs(file: string, pid: number): Promise<void> {
  // A later start on the same directory may already have replaced the file with its own.
  if ((await readPidRecord(file))?.pid === pid) await rm(file, { force: true });
}

/**
 * Stops the broker the record names when it is still our broker and its owner is gone; refuses
 * the directory when its owner still runs; forgets a record that names any other process.
 */
export async function stopLeftoverBroker(files: BrokerFiles, log: (line: string) => void): Promise<void> {
  const record = await readPidRecord(files.pid);
  if (!record) return;
  const info = await processInfo(record.pid);
  // The pid may have been reused by an unrelated process since: only a broker on this very
  // properties file is ours.
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
  if (!(await processGoneWithin(record.pid, TERM_TIMEOUT_MS))) {
    signal(record.pid, 'SIGKILL');
    if (!(await processGoneWithin(record.pid, KILL_TIMEOUT_MS))) {
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
