/**
 * Creating a PGlite database runs initdb, a second WebAssembly Postgres, in the calling process;
 * its ~600 MB of memory stays in the process long after (measured: 800 MB RSS after a fresh
 * create against 200 MB after opening an existing one). So a fresh data directory is created
 * by a short-lived child process, and the service only ever opens an existing one.
 */
import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';
import path from 'node:path';

const INIT_SCRIPT = `
const { PGlite } = await import(process.env.PGLITE_MODULE);
const db = await PGlite.create({ dataDir: process.env.PGLITE_DATA_DIR });
await db.close();
`;

export async function isInitialised(dataDir: string): Promise<boolean> {
  try {
    await access(path.join(dataDir, 'PG_VERSION'));
    return true;
  } catch {
    return false;
  }
}

export async function initialiseInChild(dataDir: string): Promise<void> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', INIT_SCRIPT], {
    env: { ...process.env, PGLITE_MODULE: import.meta.resolve('@electric-sql/pglite'), PGLITE_DATA_DIR: dataDir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2000);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`could not create the PGlite database in ${dataDir}: ${stderr.trim() || `exit ${code}`}`);
}
