// KRaft refuses to start on unformatted storage; formatting happens once per data directory, since
// the cluster id it records must stay the same for the broker to keep its data.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BrokerFiles } from './files.js';
import { processOutput, tail } from './output.js';
import { JVM_LOGGING } from './tools.js';

const run = promisify(execFile);

export async function formatStorageOnce(java: string, classpath: string, files: BrokerFiles): Promise<void> {
  // Formatting again, even with --ignore-formatted, needs the same cluster id; the storage
  // already records it, so a formatted directory is simply left alone.
  const formatted = await access(path.join(files.logDirs, 'meta.properties')).then(
    () => true,
    () => false,
  );
  if (formatted) return;
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
