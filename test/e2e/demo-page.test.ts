/**
 * The demo page at `/` exists only with development tokens: in production (and wherever a real
 * secret is configured) `/` stays a plain 404 and no token is written anywhere. Where it exists,
 * its asset route serves the bundle's files and nothing outside them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../support/auth.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

describe('the demo page', () => {
  const systems: TestSystem[] = [];
  afterAll(() => Promise.all(systems.map((system) => system.dispose())));

  async function get(env: Record<string, string>, path: string) {
    const system = await startTestSystem({ env });
    systems.push(system);
    return fetch(new URL(path, system.url));
  }

  it('is not served in production, and no token is', async () => {
    const response = await get({ NODE_ENV: 'production', AUTH_JWT_SECRET: TEST_JWT_SECRET }, '/');
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/kn-demo-config|eyJ/);
  });

  it('is not served where a real secret is configured, outside production too', async () => {
    const response = await get({ AUTH_JWT_SECRET: TEST_JWT_SECRET }, '/');
    expect(response.status).toBe(404);
  });

  it('serves no file outside the bundle', async () => {
    const system = await startTestSystem({ env: { AUTH_JWT_SECRET: '' } });
    systems.push(system);
    for (const path of ['/demo/../package.json', '/demo/%2e%2e/%2e%2e/package.json', '/demo/..%2f..%2fpackage.json', '/demo/index.html.map']) {
      const response = await fetch(new URL(path, system.url));
      expect(response.status, path).toBe(404);
    }
  });
});
