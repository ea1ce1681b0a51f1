/**
 * The live analytics page at `/analytics` (development only), beside the inbox demo: sends per
 * minute by kind as a chart (Chart.js), the hour's read rate and time to read, its top senders
 * and recipients, live from the `statsWindow` subscription. It acts with the development service
 * token (it has the admin scope), so like the demo page it exists only where there are
 * development tokens, which is never in production (and the production build has no src/dev).
 * Chart.js comes from node_modules, as the API reference's Swagger UI does: no CDN, works offline.
 * The page's own script is TypeScript (analytics/page.ts, type-checked with the rest), turned into
 * JavaScript once, on the first request.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';
import { NOTIFICATION_KINDS } from '../notifications/notification.js';

export const ANALYTICS_PATH = '/analytics';
const ASSETS_PREFIX = `${ANALYTICS_PATH}/`;
const CHART_FILE = 'chart.umd.min.js';

export interface AnalyticsPageOptions {
  /** The development service token: admin and send scopes. */
  serviceToken: string;
  graphqlPath: string;
}

/** What the page's script reads from the page (analytics/page.ts's PageConfig). */
interface PageConfig {
  graphqlPath: string;
  token: string;
  kinds: string[];
}

const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const page = (config: PageConfig) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>kafka-notify live analytics</title>
  <link rel="stylesheet" href="${ASSETS_PREFIX}page.css">
  <link rel="icon" href="data:,">
  <script id="kn-analytics-config" type="application/json">${scriptJson(config)}</script>
</head>
<body>
  <header>
    <h1>Live analytics</h1>
    <span id="status" class="pill" data-status="connecting" role="status">connecting</span>
    <nav><a href="/">Inbox demo</a></nav>
  </header>
  <main>
    <section class="card wide" aria-labelledby="sends-title">
      <h2 id="sends-title">Sent per minute, by kind (last 30 minutes)</h2>
      <figure id="sends" data-total="0">
        <canvas id="sends-chart" role="img" aria-label="Notifications sent per minute, by kind"></canvas>
      </figure>
    </section>
    <section class="card" aria-labelledby="hour-title">
      <h2 id="hour-title">This hour</h2>
      <dl id="hour" data-sent="0">
        <dt>Sent</dt><dd id="hour-sent">–</dd>
        <dt>Read</dt><dd id="hour-read">–</dd>
        <dt>Read rate</dt><dd id="hour-read-rate">–</dd>
        <dt>Time to read, median</dt><dd id="hour-ttr-median">–</dd>
        <dt>Time to read, p90</dt><dd id="hour-ttr-p90">–</dd>
      </dl>
    </section>
    <section class="card" aria-labelledby="senders-title">
      <h2 id="senders-title">Top senders this hour</h2>
      <ol id="top-senders" class="ranking"></ol>
    </section>
    <section class="card" aria-labelledby="recipients-title">
      <h2 id="recipients-title">Top recipients this hour</h2>
      <ol id="top-recipients" class="ranking"></ol>
    </section>
  </main>
  <script src="${ASSETS_PREFIX}${CHART_FILE}"></script>
  <script type="module" src="${ASSETS_PREFIX}page.js"></script>
</body>
</html>
`;

// The package exports no package.json; its main file lies in dist/, beside the UMD build.
const chartDir = () => dirname(createRequire(import.meta.url).resolve('chart.js'));
const here = (name: string) => new URL(`./analytics/${name}`, import.meta.url);

let script: Promise<string> | null = null;
/** analytics/page.ts as JavaScript: TypeScript's transpileModule, once per process. */
function pageScript(): Promise<string> {
  script ??= (async () => {
    const { default: ts } = await import('typescript');
    const source = await readFile(here('page.ts'), 'utf8');
    return ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  })();
  script.catch(() => (script = null));
  return script;
}

const JS = 'text/javascript; charset=utf-8';

/** Answers `/analytics` and its assets before any GraphQL handling (a page load carries no CSRF header). */
export function useAnalyticsPage({ serviceToken, graphqlPath }: AnalyticsPageOptions): Plugin {
  const config: PageConfig = { graphqlPath, token: serviceToken, kinds: [...NOTIFICATION_KINDS] };
  return {
    async onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const { pathname } = url;
      if (pathname === ANALYTICS_PATH) {
        endResponse(
          new Response(page(config), {
            headers: {
              'content-type': 'text/html; charset=utf-8',
              // It carries a token: never kept by a cache; and it runs nothing but its own scripts.
              'cache-control': 'no-store',
              'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            },
          }),
        );
      } else if (pathname === `${ASSETS_PREFIX}${CHART_FILE}`) {
        endResponse(new Response(await readFile(join(chartDir(), CHART_FILE)), { headers: { 'content-type': JS } }));
      } else if (pathname === `${ASSETS_PREFIX}page.js`) {
        endResponse(new Response(await pageScript(), { headers: { 'content-type': JS } }));
      } else if (pathname === `${ASSETS_PREFIX}page.css`) {
        endResponse(new Response(await readFile(here('page.css')), { headers: { 'content-type': 'text/css; charset=utf-8' } }));
      } else if (pathname.startsWith(ASSETS_PREFIX)) {
        endResponse(new Response('not found\n', { status: 404 }));
      }
    },
  };
}
