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

// Resolved from this file rather than process.cwd(), so `npm start` from a subfolder, the CLI
// and the test runner all land on the same folders.
export function projectPaths(): ProjectPaths {
  const root = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
  return { root, cacheDir: path.join(root, '.cache'), dataDir: path.join(root, '.data') };
}
