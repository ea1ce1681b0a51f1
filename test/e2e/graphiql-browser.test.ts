/**
 * GraphiQL as a person uses it, in headless Chromium: one tab subscribes as Bruno, another tab
 * sends Emma's follow, and the first tab shows it arrive. Nothing is loaded from outside the server.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

describe('GraphiQL in a browser', () => {
  let system: TestSystem | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    await system?.dispose();
  });

  async function openGraphiQL(operation: string, outside: string[]): Promise<Page> {
    const page = await browser!.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['blob:', 'data:'].includes(url.protocol) && url.host !== new URL(system!.url).host) outside.push(request.url());
    });
    await page.goto(`${system!.url}?query=${encodeURIComponent(operation)}`);
    await page.locator('.graphiql-execute-button').click();
    return page;
  }

  it.skipIf(!hasChromium)(`shows a sent notification arrive in the subscription tab (skipped without ${CHROMIUM}: apt-get install chromium)`, async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const outside: string[] = [];
    // Subscribes from the start of Bruno's inbox, so it shows the notification however soon it is sent.
    const listening = await openGraphiQL(
      `subscription { notificationAdded(userId: "2", after: "${encodeCursor(0)}") { kind message sender { name } } }`,
      outside,
    );
    const sending = await openGraphiQL(
      'mutation { sendNotification(input: { senderId: "1", recipientId: "2", kind: FOLLOW, message: "Emma started following you." }) { id createdAt } }',
      outside,
    );
    await sending.getByText('"createdAt"').waitFor();
    await listening.getByText('"Emma started following you."').waitFor();
    await expect(listening.getByText('"FOLLOW"').count()).resolves.toBe(1);
    expect(outside).toEqual([]);
  });
});
