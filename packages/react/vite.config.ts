// Bundles the demo page (demo/) that the server shows at `/` in development; assets under
// /demo/ so they never collide with the API's own paths.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  base: '/demo/',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: fileURLToPath(new URL('./dist/demo', import.meta.url)), emptyOutDir: true },
});
