// The repository's own folders for development state (Kafka's jars, the local broker's data), found
// from this file, so `npm start` from a subfolder, the broker CLI, the tests and the bench all agree.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProjectPaths {
  /** The repository root (where package.json lives). */
  root: string;
  /** Downloads that can be fetched again (Kafka's jars); ignored by git. */
  cacheDir: string;
  /** State that outlives a run (the local broker's log, PGlite); ignored by git. */
  dataDir: string;
}

// Resolved from this file rather than process.cwd(): the working directory depends on who runs us.
export function projectPaths(): ProjectPaths {
  const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
  return { root, cacheDir: path.join(root, '.cache'), dataDir: path.join(root, '.data') };
}
