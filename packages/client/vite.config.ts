// The published build: one ES module in dist/lib (dist/example is the example page's), with its
// dependencies (urql, graphql-ws, graphql-sse, gql.tada) left to the app's bundler as imports.
// Vite's library mode, the bundler the React package and its demo already use; tsc writes the
// declarations beside it (tsconfig.build.json), then the generated schema types are copied there.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const manifest = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as Record<'dependencies', Record<string, string>>;
const external = Object.keys(manifest.dependencies);

export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./dist/lib', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Left readable: the app's bundler minifies it with the rest.
    minify: false,
    lib: { entry: fileURLToPath(new URL('./src/index.ts', import.meta.url)), formats: ['es'], fileName: 'index' },
    rolldownOptions: { external: (id) => external.some((name) => id === name || id.startsWith(`${name}/`)) },
  },
});
