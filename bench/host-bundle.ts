/**
 * The server process runs compiled JavaScript, as production does (`node dist/main.js`), not the
 * TypeScript sources through tsx: tsx's transforms and source maps add well over 100 MB of RSS and
 * some start-up time, which the memory figures would otherwise charge to the service. The bench
 * bundles bench/host.ts with the service's sources into one file (packages stay imports from
 * node_modules) with esbuild, which tsx already brings; without it, the host runs through tsx
 * and the report says so.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HOST_SOURCE = fileURLToPath(new URL('./host.ts', import.meta.url));

export interface HostEntry {
  file: string;
  execArgv: string[];
  /** How the server process runs its code, for the report. */
  runner: string;
}

let built: Promise<HostEntry> | undefined;

/** Builds the bundle once per run (it takes well under a second), under `<cacheDir>/bench-host/`. */
export function hostEntry(cacheDir: string): Promise<HostEntry> {
  return (built ??= (async () => {
    let esbuild: typeof import('esbuild');
    try {
      esbuild = await import('esbuild');
    } catch {
      return { file: HOST_SOURCE, execArgv: ['--import', 'tsx'], runner: 'tsx (TypeScript sources; esbuild not found)' };
    }
    // Two folders below the project root, like dist/app/: paths the sources compute from
    // import.meta.url (the demo page's folder) resolve as they do in the build.
    const file = path.join(cacheDir, 'bench-host', 'host.mjs');
    await esbuild.build({
      entryPoints: [HOST_SOURCE],
      outfile: file,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    return { file, execArgv: [], runner: 'node, compiled JavaScript (esbuild bundle of bench/host.ts and src/)' };
  })());
}
