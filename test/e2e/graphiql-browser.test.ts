/**
 * GraphiQL as a person uses it, in headless Chromium, on the development defaults (dev tokens):
 * one window runs Bruno's tab and subscribes, another runs Emma's tab and sends her follow, and
 * the first shows it arrive; a third runs the back end's tab, subscribing both to a topic and
 * broadcasting to it, and the first shows that arrive too. Nothing is loaded from outside the server.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page, type Request } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
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

  /** A fresh window (its own storage, so GraphiQL opens its default tabs), with its tab `index` active. */
  async function openTab(index: number, outside: string[]): Promise<Page> {
    const page = await (await browser!.newContext()).newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['blob:', 'data:'].includes(url.protocol) && url.host !== new URL(system!.url).host) outside.push(request.url());
    });
    await page.goto(system!.url);
    // A click GraphiQL takes before it has set its tabs up is lost: click until the tab's text shows.
    const shown = page.locator('.graphiql-query-editor').getByText(['notificationAdded', 'sendNotification', 'sendBroadcast'][index]!);
    for (let attempt = 1; ; attempt += 1) {
      await page.locator('.graphiql-tab').nth(index).click();
      try {
        await shown.waitFor({ timeout: 3000 });
        return page;
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
  }

  /**
   * Clicks run until GraphiQL sends the operation (it ignores a click while it is still busy
   * switching tabs), and resolves with that request's response: the event, not a delay.
   */
  async function runUntilSent(page: Page, click: () => Promise<void>, sent: (request: Request) => boolean) {
    for (let attempt = 1; ; attempt += 1) {
      const request = page.waitForRequest(sent, { timeout: 3000 });
      await click();
      try {
        return await (await request).response();
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
  }

  // A system, a browser and GraphiQL's bundle with three tabs, run in turn: more than the default 30 s on two busy cores.
  it.skipIf(!hasChromium)(`shows a sent notification and a broadcast arrive in the subscription tab (skipped without ${CHROMIUM}: apt-get install chromium)`, { timeout: 90_000 }, async () => {
    // No AUTH_JWT_SECRET: the development secret and tokens, as `npm start` has them.
    system = await startTestSystem({ env: { AUTH_JWT_SECRET: '' } });
    await waitUntilReady(system);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const outside: string[] = [];
    const listening = await openTab(0, outside);
    // GraphiQL subscribes over SSE with a GET; the stream's headers come once the server set it up.
    const subscribed = await runUntilSent(
      listening,
      async () => {
        await listening.locator('.graphiql-execute-button').click();
        await listening.getByRole('menuitem', { name: 'Live' }).click();
      },
      (request) => request.url().includes('notificationAdded'),
    );
    expect(subscribed?.status()).toBe(200);

    const sending = await openTab(1, outside);
    await runUntilSent(
      sending,
      () => sending.locator('.graphiql-execute-button').click(),
      (request) => request.postData()?.includes('sendNotification') ?? false,
    );
    await sending.getByText('"createdAt"').waitFor();
    await listening.getByText('"Emma started following you."').waitFor();
    await expect(listening.getByText('"follow"').count()).resolves.toBe(1);

    // The back end's tab: subscribe Emma and Bruno to a topic, broadcast to it; Bruno's tab shows it.
    const backEnd = await openTab(2, outside);
    for (const [operation, text] of [['Subscribe', 'subscribeToTopic'], ['Broadcast', 'sendBroadcast']] as const) {
      await runUntilSent(
        backEnd,
        async () => {
          await backEnd.locator('.graphiql-execute-button').click();
          await backEnd.getByRole('menuitem', { name: operation, exact: true }).click();
        },
        (request) => request.postData()?.includes(text) ?? false,
      );
    }
    await listening.getByText('"Stand-up moves to 10:00."').waitFor();
    expect(outside).toEqual([]);
  });
});
