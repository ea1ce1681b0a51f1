/**
 * @kafka-notify/client with no framework, as a page uses it: the example page
 * (packages/client/example) built by Vite, served from an origin of its own, in headless Chromium
 * against the real system (Kafka, store, HTTP, WebSocket) on another origin. Ada sends to Ben from
 * her page; Ben's page shows it live, with no reload, and its unread count rises; he marks it read
 * and the count drops, in his page and in the store. A screenshot is kept in .data/client-example.png.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userToken } from '../support/auth.js';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { graphqlData } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const ADA = 'vanilla-ada';
const BEN = 'vanilla-ben';
const SCREENSHOT = '.data/client-example.png';

/** The example page, built by its own Vite config into `outDir`. */
function buildExample(outDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'vite', 'build', '--config', 'packages/client/vite.example.config.ts', '--outDir', outDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`building the example failed (${code}): ${errors}`))));
  });
}

/** A static file server: the page's origin, apart from the API's. */
async function serveStatic(root: string): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const path = normalize(join(root, new URL(request.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(root)) return void response.writeHead(404).end();
    readFile(path).then(
      (body) => response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe.skipIf(!hasChromium)(`the vanilla client example in a browser (skipped without ${CHROMIUM}: apt-get install chromium)`, () => {
  let system: TestSystem;
  let pages: Server;
  let browser: Browser;
  let outDir: string;
  const problems: string[] = [];

  const listening = (field: string, count: number) =>
    metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field }) >= count, `${count} ${field} subscriptions`);

  async function open(userId: string): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(`${userId}: ${error.message}`));
    page.on('console', (message) => message.type() === 'error' && problems.push(`${userId}: ${message.text()}`));
    const origin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
    await page.goto(`${origin}/index.html?url=${encodeURIComponent(system.url)}#token=${await userToken(userId)}`);
    await page.locator('#status[data-status="live"]').waitFor();
    return page;
  }

  beforeAll(async () => {
    outDir = await mkdtemp(join(tmpdir(), 'kafka-notify-example-'));
    [system] = await Promise.all([startTestSystem(), buildExample(outDir)]);
    await waitUntilReady(system);
    for (const [id, name] of [[ADA, 'Ada'], [BEN, 'Ben']]) {
      await graphqlData(system.url, 'mutation ($id: ID!, $name: String!) { upsertUser(id: $id, name: $name) { id } }', { id, name });
    }
    pages = await serveStatic(outDir);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    pages?.close();
    await system?.dispose();
    await rm(outDir, { recursive: true, force: true });
  });

  it("shows Ada's notification in Ben's page live, and his unread count follows it and his read", async () => {
    const ben = await open(BEN);
    const ada = await open(ADA);
    await ben.locator('#empty', { hasText: 'You’re all caught up.' }).waitFor();
    expect(await ben.locator('#unread').getAttribute('data-count')).toBe('0');
    // Both pages' feeds and counts are subscribed: what is sent now can only arrive live.
    await Promise.all([listening('notificationAdded', 2), listening('notificationsChanged', 2)]);

    await ada.getByLabel('To (user id)').fill(BEN);
    await ada.getByLabel('Message').fill('Ada mentioned you, no framework needed.');
    await ada.getByRole('button', { name: 'Send' }).click();
    await ada.locator('#sent', { hasText: 'Sent (' }).waitFor();

    const item = ben.locator('#feed li[data-status="UNREAD"]', { hasText: 'Ada mentioned you, no framework needed.' });
    await item.waitFor();
    await ben.locator('#unread[data-count="1"]').waitFor();
    expect(await item.locator('strong').textContent()).toBe('Ada');

    await item.getByRole('button', { name: 'Mark as read: Ada mentioned you, no framework needed.' }).click();
    await ben.locator('#unread[data-count="0"]').waitFor();
    await ben.locator('#feed li[data-status="READ"]', { hasText: 'Ada mentioned you, no framework needed.' }).waitFor();
    expect(await ben.locator('#feed li').count()).toBe(1);
    expect((await graphqlData<{ unreadCount: number }>(system.url, '{ unreadCount }', {}, { token: userToken(BEN) })).unreadCount).toBe(0);
    expect(problems).toEqual([]);
    await mkdir('.data', { recursive: true });
    await ben.screenshot({ path: SCREENSHOT });
  });
});
