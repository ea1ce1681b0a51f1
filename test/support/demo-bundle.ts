/** The demo page's Vite bundle, built when missing or stale (as `npm start` does), for browser tests on a clean clone. */
import { spawn } from 'node:child_process';

export function ensureDemoBuilt(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['packages/react/scripts/build-demo.mjs'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the demo page failed (${code}): ${errors}`))));
  });
}
