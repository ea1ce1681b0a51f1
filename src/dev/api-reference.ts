/**
 * The HTTP API's reference page in development, at `/v1/reference`: Swagger UI reading the
 * served `/v1/openapi.json`, with its assets from the swagger-ui-dist package in node_modules, so it
 * works offline like GraphiQL (no CDN). It lives in src/dev, so the production build and image
 * (which install production dependencies only) have neither the page nor the package; development
 * turns it on with GraphiQL's switch, which is off in production.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'graphql-yoga';

export const REFERENCE_PATH = '/v1/reference';
const ASSETS_PREFIX = `${REFERENCE_PATH}/`;

/** The only files served, by name: nothing else of the package (or outside it) is reachable. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export interface ApiReferenceOptions {
  /** The OpenAPI document the page shows. */
  openApiPath: string;
}

const packageDir = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

// A file of its own rather than an inline script, so the page's CSP allows scripts from 'self' only.
const initScript = (openApiPath: string) => `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(openApiPath)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: false,
});
`;

const page = () => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>kafka-notify HTTP API reference</title>
  <link rel="stylesheet" href="${ASSETS_PREFIX}swagger-ui.css">
  <link rel="icon" type="image/png" href="${ASSETS_PREFIX}favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${ASSETS_PREFIX}swagger-ui-bundle.js"></script>
  <script src="${ASSETS_PREFIX}init.js"></script>
</body>
</html>
`;

const notFound = () => new Response('not found\n', { status: 404 });

/** Answers `/v1/reference` and its assets before any GraphQL handling (a page load carries no CSRF header). */
export function useApiReference({ openApiPath }: ApiReferenceOptions): Plugin {
  const dir = packageDir();
  return {
    async onRequest({ request, url, endResponse }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      if (url.pathname === REFERENCE_PATH) {
        endResponse(
          new Response(page(), {
            headers: {
              'content-type': 'text/html; charset=utf-8',
              // Swagger UI sets style attributes as it renders, hence 'unsafe-inline' for styles only.
              'content-security-policy':
                "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
            },
          }),
        );
      } else if (url.pathname === `${ASSETS_PREFIX}init.js`) {
        endResponse(new Response(initScript(openApiPath), { headers: { 'content-type': 'text/javascript; charset=utf-8' } }));
      } else if (url.pathname.startsWith(ASSETS_PREFIX)) {
        const name = url.pathname.slice(ASSETS_PREFIX.length);
        const type = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
        endResponse(type ? new Response(await readFile(join(dir, name)), { headers: { 'content-type': type } }) : notFound());
      }
    },
  };
}
