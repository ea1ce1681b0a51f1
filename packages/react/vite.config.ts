// The published build: one ES module and its stylesheet in dist/lib (dist/demo is the demo's),
// with React, urql and @kafka-notify/client left to the app's bundler as imports. Vite's library
// mode, as Vite already builds the demo here: one bundler for both, no second toolchain (tsup
// would add esbuild and rollup for the same output, and is no longer maintained). tsc writes the
// declarations beside it (tsconfig.build.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as Record<'dependencies' | 'peerDependencies', Record<string, string>>;
const external = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)];

export default defineConfig({
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/lib', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Left readable: the app's bundler minifies it with the rest.
    minify: false,
    lib: { entry: fileURLToPath(new URL('./src/with-styles.ts', import.meta.url)), formats: ['es'], fileName: 'index', cssFileName: 'styles' },
    rolldownOptions: {
      external: (id) => external.some((name) => id === name || id.startsWith(`${name}/`)),
      // Library mode takes the stylesheet out of the module; importing it back keeps <Inbox />
      // styled with no import of the app's own (package.json marks CSS as a side effect).
      output: { banner: "import './styles.css';" },
    },
  },
});
