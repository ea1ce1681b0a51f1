#!/usr/bin/env node
/**
 * Builds the demo bundle when it is missing or older than what it is made of (the sources of
 * this package and of @kafka-notify/client, the demo, schema.graphql). `npm start` and the test
 * setup call this, so a fresh clone needs only `npm install` and `npm start`, and a second start
 * costs a few file stats, not a build.
 * `--force` builds regardless.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const output = join(packageDir, 'dist', 'demo', 'index.html');
const inputs = ['src', 'demo', 'vite.demo.config.ts', 'package.json', '../client/src', '../client/package.json', '../../schema.graphql'].map((path) => join(packageDir, path));

function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: packageDir, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const built = existsSync(output) ? statSync(output).mtimeMs : 0;
if (process.argv.includes('--force') || built < Math.max(...inputs.map(newest))) {
  console.log('kafka-notify: building the demo page (packages/react → packages/react/dist/demo)');
  run('npx', ['--no-install', 'vite', 'build', '--config', 'vite.demo.config.ts']);
}
