// Bundles the demo page (demo/) that the server shows at `/` in development; assets under
// /demo/ so they never collide with the API's own paths. It runs on the sources of both packages
// (the client through an alias), so the demo shows what is in the tree, with nothing to build first.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  base: '/demo/',
  plugins: [react()],
  resolve: { alias: { '@kafka-notify/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) } },
  logLevel: 'warn',
  build: { outDir: fileURLToPath(new URL('./dist/demo', import.meta.url)), emptyOutDir: true },
});
