/**
 * The inbox demo at `/` (development only): the page Vite built from packages/react/demo, with
 * the demo users' development tokens written into it, and its assets under /demo/. It exists
 * only when there are development tokens to give, which is never in production (config refuses
 * to make a development secret there, and the production build has no src/dev), so no token can
 * leak through it.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'graphql-yoga';
import { DEMO_USERS } from './demo-users.js';
import type { DemoTokens } from './dev-tokens.js';

export const DEMO_DIST = fileURLToPath(new URL('../../packages/react/dist/demo/', import.meta.url));
const ASSETS_PREFIX = '/demo/';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface DemoPageOptions {
  /** The development tokens (the ones GraphiQL's tabs carry). */
  tokens: DemoTokens;
  /**
   * The development service token (admin), for the page's scenarios that a back end plays in an
   * app: several senders at once (a grouped series), registering a kind. As the analytics page
   * has it, and only where development tokens exist.
   */
  serviceToken?: string;
  graphqlPath: string;
  distDir?: string;
}

interface DemoConfig {
  graphqlPath: string;
  /** Who the page lets one act as, with their development tokens. */
  signIn: { id: string; name: string; token: string }[];
  /** Whom one may send to. */
  directory: readonly { id: string; name: string }[];
  service: string | null;
}

function demoConfig({ tokens, graphqlPath, serviceToken }: DemoPageOptions): DemoConfig {
  const nameOf = (id: string) => DEMO_USERS.find((user) => user.id === id)?.name ?? `user ${id}`;
  return {
    graphqlPath,
    signIn: [
      { id: '1', name: nameOf('1'), token: tokens.emma },
      { id: '2', name: nameOf('2'), token: tokens.bruno },
    ],
    directory: DEMO_USERS,
    service: serviceToken ?? null,
  };
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can close it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

const notBuilt = () =>
  new Response('The demo page is not built yet: run `npm run build:ui` (npm start does it for you).\n', {
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });

async function page(distDir: string, config: DemoConfig): Promise<Response> {
  let html: string;
  try {
    html = await readFile(join(distDir, 'index.html'), 'utf8');
  } catch {
    return notBuilt();
  }
  const injected = html.replace('</head>', `<script id="kn-demo-config" type="application/json">${scriptJson(config)}</script></head>`);
  return new Response(injected, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // It carries tokens: never kept by a cache; and it runs nothing but its own bundle.
      'cache-control': 'no-store',
      'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
    },
  });
}

async function asset(distDir: string, pathname: string): Promise<Response> {
  const file = normalize(join(distDir, pathname.slice(ASSETS_PREFIX.length)));
  const type = CONTENT_TYPES[extname(file)];
  if (!file.startsWith(distDir.endsWith(sep) ? distDir : distDir + sep) || !type) return new Response('not found\n', { status: 404 });
  try {
    // Vite names each asset by its content hash: a name never changes meaning.
    return new Response(await readFile(file), { headers: { 'content-type': type, 'cache-control': 'public, max-age=31536000, immutable' } });
  } catch {
    return new Response('not found\n', { status: 404 });
  }
}

/** Answers `/` and `/demo/*` before any GraphQL handling (a page load carries no CSRF header). */
export function useDemoPage(options: DemoPageOptions): Plugin {
  const { distDir = DEMO_DIST } = options;
  const config = demoConfig(options);
  return {
    async onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === '/') endResponse(await page(distDir, config));
      else if (url.pathname.startsWith(ASSETS_PREFIX)) endResponse(await asset(distDir, url.pathname));
    },
  };
}
