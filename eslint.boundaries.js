// Who may import whom: the import rules of DESIGN.md ("Parts and where they live", "Dependencies
// point one way") as lint zones, so a wrong import fails `npm run lint`, and CI with it, instead of
// waiting for a reviewer to notice. The README's "How it works" carries the same table for people:
// change both together. Imports are resolved to files (a `.js` specifier to its `.ts` source), so
// a zone holds however the path is spelled; a dynamic import with a literal path counts too.
import { readdirSync } from 'node:fs';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/**
 * Every folder of src/ and what it may import besides itself and the shared helpers (the other
 * files at src/'s root: logger, outage log, backoff, shutdown, tumbling windows). A folder missing here stops lint:
 * a new folder must say which part it is first.
 */
const FOLDERS = {
  'src/notifications': { part: 'the domain', may: [] },
  // The figures of the stats consumer: a domain of its own over the notification and activity events.
  'src/stats': { part: 'the domain (stats)', may: ['src/notifications'] },
  'src/kafka': { part: 'adapter', may: ['src/notifications', 'src/stats'] },
  'src/store': { part: 'adapter', may: ['src/notifications', 'src/stats'] },
  'src/pubsub': { part: 'adapter', may: ['src/notifications'] },
  'src/ratelimit': { part: 'adapter', may: ['src/notifications'] },
  // It implements the ports the domain and the Kafka adapter report through; Kafka's is a type.
  'src/metrics': { part: 'operational adapter', may: ['src/notifications'], typesOf: { from: 'src/kafka', only: ['telemetry.ts'] } },
  // An operator's command line (`npm run dlq`), a composition root of its own that drives Kafka.
  'src/ops': { part: 'operations tool', may: ['src/notifications', 'src/stats', 'src/kafka', 'src/store', 'src/config.ts'] },
  'src/auth': { part: 'identity', may: ['src/notifications'] },
  // The rate limiter reaches the schema through the GraphQL context's type alone.
  'src/schema': { part: 'GraphQL schema', may: ['src/notifications', 'src/stats', 'src/auth'], typesOf: { from: 'src/ratelimit', in: ['context.ts'] } },
  // The HTTP API sends through the GraphQL path's own caller rules (schema/acting-for.ts), so there is one copy of each.
  'src/rest': { part: 'HTTP API', may: ['src/notifications', 'src/auth', 'src/schema'] },
  'src/app': { part: 'server', may: ['src/schema', 'src/rest', 'src/auth', 'src/notifications', 'src/metrics'] },
  // The OpenTelemetry SDK (started by main.ts) and the GraphQL operation spans (system.ts installs
  // them); the parts reach tracing through @opentelemetry/api alone, never through this folder.
  'src/tracing': { part: 'operational adapter', may: [] },
  // Development aids may use anything; nothing but main.ts's seam may reach them (below).
  'src/dev': { part: 'development aids', may: 'anything' },
};

/** The composition roots: they wire the parts. main.ts and its development seam reach src/dev by dynamic import only. */
const ENTRY = 'src/main.ts';
const DEV_SEAM = 'src/development.ts';
const SYSTEM = 'src/system.ts';
/** Read by the composition roots (STYLE.md: every part gets its slice of the config as an argument). */
const CONFIG = 'src/config.ts';

const here = import.meta.dirname;
const entries = readdirSync(new URL('./src', import.meta.url), { withFileTypes: true });
const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => `src/${entry.name}`);
const unknown = folders.filter((folder) => !(folder in FOLDERS));
if (unknown.length > 0) {
  throw new Error(`${unknown.join(', ')} belong to no part of the design: add them to eslint.boundaries.js and the README's "How it works"`);
}
const rootFiles = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => `src/${entry.name}`);
const roots = [ENTRY, DEV_SEAM, SYSTEM];
const helpers = rootFiles.filter((file) => !roots.includes(file) && file !== CONFIG);
/** Everything in src/ a zone can forbid: the folders, the roots and the config (helpers are open to all). */
const units = [...folders, ...roots, CONFIG];

const without = (list, ...taken) => list.filter((item) => !taken.flat().includes(item));

const zones = [
  { target: 'src', from: ['test', 'bench'], message: 'src/ never imports the tests or the benchmarks.' },
  {
    target: 'packages',
    from: ['src', 'test', 'bench'],
    message: 'A client package talks to the server only through schema.graphql (DESIGN.md).',
  },
];
for (const [folder, { part, may, typesOf }] of Object.entries(FOLDERS)) {
  if (may === 'anything') continue;
  const allowed = [...may, ...(typesOf ? [`the types of ${typesOf.from}`] : [])].join(', ') || 'nothing in src/';
  zones.push({
    target: folder,
    from: without(units, folder, may, typesOf?.from ?? []),
    message: `${folder} (${part}) may import ${allowed} and src/'s shared helpers only (DESIGN.md, "Dependencies point one way"; README, "How it works").`,
  });
  // Which files the type-only edge may reach (`only`) or start from (`in`); that it carries types
  // alone is no-restricted-imports' job, below.
  if (typesOf?.only) {
    zones.push({ target: folder, from: typesOf.from, except: typesOf.only.map((file) => `./${file}`), message: `${folder} may import only the types of ${typesOf.only.map((file) => `${typesOf.from}/${file}`).join(', ')}.` });
  }
  if (typesOf?.in) {
    const others = `${folder}/**/!(${typesOf.in.map((file) => file.replace(/\.ts$/, '')).join('|')}).ts`;
    zones.push({ target: others, from: typesOf.from, message: `${folder} reaches ${typesOf.from} only through the types in ${typesOf.in.join(', ')}.` });
  }
}
zones.push(
  ...helpers.map((file) => ({ target: file, from: units, message: `${file} is a shared helper: it imports no part of the service.` })),
  { target: CONFIG, from: units, message: 'src/config.ts reads the environment; the parts get their slices from the composition roots.' },
  { target: SYSTEM, from: [ENTRY, DEV_SEAM, 'src/dev', 'src/ops'], message: 'system.ts wires the service; the development aids reach it through main.ts, not the other way.' },
  { target: [ENTRY, DEV_SEAM], from: 'src/ops', message: 'src/ops is a command line of its own.' },
);

/** `import type` only, on the edges FOLDERS marks `typesOf`. */
const typeOnly = Object.entries(FOLDERS).flatMap(([folder, { typesOf }]) =>
  typesOf
    ? [
        {
          files: typesOf.in ? typesOf.in.map((file) => `${folder}/${file}`) : [`${folder}/**/*.ts`],
          rules: {
            '@typescript-eslint/no-restricted-imports': [
              'error',
              { patterns: [{ regex: `(^|/)${typesOf.from.replace(/^src\//, '')}/`, allowTypeImports: true, message: `${folder} may import only types from ${typesOf.from}.` }] },
            ],
          },
        },
      ]
    : [],
);

export default [
  {
    files: ['src/**/*.ts', 'packages/**/*.{ts,tsx,js,mjs}'],
    plugins: { 'import-x': importX },
    // An import that does not resolve escapes every zone: `.js` specifiers find their `.ts` sources,
    // extensionless ones (the packages' bundler style) find theirs.
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'], extensionAlias: { '.js': ['.ts', '.tsx', '.js'] } })],
    },
    rules: { 'import-x/no-restricted-paths': ['error', { basePath: here, zones }] },
  },
  ...typeOnly,
  {
    // Static imports only: main.ts's seam loads src/dev with import(), which the production build leaves out.
    files: [ENTRY, DEV_SEAM],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\./dev(/|$)', message: 'src/dev is reached only by a dynamic import, so the production build can leave it out.' }] },
      ],
    },
  },
];
