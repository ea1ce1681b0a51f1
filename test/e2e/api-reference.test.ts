/**
 * The HTTP API's reference page (Swagger UI) is a development aid: served with GraphiQL, every
 * asset from this server (no CDN, so it works offline), pointing at the served OpenAPI document;
 * in production it is a plain 404, assets included.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

describe('the API reference page', () => {
  const systems: TestSystem[] = [];
  afterAll(() => Promise.all(systems.map((system) => system.dispose())));

  async function start(env: Record<string, string> = {}) {
    const system = await startTestSystem({ env });
    systems.push(system);
    return system;
  }

  it('is served in development with its assets from this server, reading /v1/openapi.json', async () => {
    const system = await start();
    const response = await fetch(new URL('/v1/reference', system.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    const html = await response.text();
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThanOrEqual(3);
    let scripts = '';
    for (const reference of references) {
      const url = new URL(reference, system.url);
      // Offline: nothing from another host.
      expect(url.origin, reference).toBe(new URL(system.url).origin);
      const asset = await fetch(url);
      expect(asset.status, reference).toBe(200);
      if (reference.endsWith('.js')) scripts += await asset.text();
      else await asset.arrayBuffer();
    }
    expect(scripts).toContain('SwaggerUIBundle');
    expect(scripts).toContain('"/v1/openapi.json"');
    expect((await fetch(new URL('/v1/openapi.json', system.url))).status).toBe(200);
  });

  it.skipIf(!hasChromium)(`renders the operations in a browser with no request leaving the server (skipped without ${CHROMIUM})`, async () => {
    const system = systems[0] ?? (await start());
    const origin = new URL(system.url).origin;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const elsewhere: string[] = [];
      const problems: string[] = [];
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === origin) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${origin}/v1/reference`);
      // Swagger UI renders each operation with its operationId once it has read the document.
      await page.locator('#operations-default-sendNotifications').waitFor();
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('serves nothing else of the package, nor outside it', async () => {
    const system = systems[0] ?? (await start());
    for (const path of ['/v1/reference/package.json', '/v1/reference/../../package.json', '/v1/reference/%2e%2e/%2e%2e/package.json', '/v1/reference/swagger-ui-bundle.js.map']) {
      expect((await fetch(new URL(path, system.url))).status, path).toBe(404);
    }
  });

  it('is not served in production', async () => {
    const system = await start({ NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET });
    for (const path of ['/v1/reference', '/v1/reference/swagger-ui-bundle.js', '/v1/reference/init.js']) {
      expect((await fetch(new URL(path, system.url))).status, path).toBe(404);
    }
  });
});
