// The vanilla example page (example/): `npm run example -w @kafka-notify/client` serves it with
// /graphql proxied (WebSocket too) to a running server, KAFKA_NOTIFY_URL or localhost:4000, so the
// page and the API share an origin as they would behind one host; `build:example` writes it to
// dist/example. It runs on the client's sources, like the React demo.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = process.env.KAFKA_NOTIFY_URL ?? 'http://localhost:4000';

export default defineConfig({
  root: fileURLToPath(new URL('./example', import.meta.url)),
  base: './',
  resolve: { alias: { '@kafka-notify/client': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
  logLevel: 'warn',
  server: { port: 5174, proxy: { '/graphql': { target: api, ws: true, changeOrigin: true } } },
  build: { outDir: fileURLToPath(new URL('./dist/example', import.meta.url)), emptyOutDir: true },
});
