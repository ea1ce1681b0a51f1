/**
 * The live analytics page (/analytics, development only) in headless Chromium against the real
 * system, its stats consumer inside (ROLE=all): the page follows the hour over statsWindow; a
 * back end sends notifications, and the chart's data, the hour's figures and the rankings change
 * on the page with no reload. Nothing is loaded from outside the server (Chart.js is served from
 * node_modules), and the page's strict CSP holds (no violation in the console).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { graphqlData } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const SEND_MANY = /* GraphQL */ `mutation SendMany($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { notification { id } error { code message } } }`;

describe.skipIf(!hasChromium)(`the live analytics page in a browser (skipped without ${CHROMIUM}: apt-get install chromium)`, () => {
  let system: TestSystem;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    // Development defaults (no AUTH_JWT_SECRET): the dev service token the page acts with, as `npm start` has it.
    system = await startTestSystem({ env: { AUTH_JWT_SECRET: '' } });
    await waitUntilReady(system);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['blob:', 'data:'].includes(url.protocol) && url.host !== new URL(system.url).host) outside.push(request.url());
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });

  afterAll(async () => {
    await browser?.close();
    await system?.dispose();
  });

  /** Sends as the development service (it names the sender); every send must be accepted. */
  async function send(items: { senderId: string; recipientId: string; kind: string }[]) {
    const inputs = items.map((item, index) => ({ ...item, message: `analytics ${index}` }));
    const { sendNotifications } = await graphqlData<{ sendNotifications: { error: unknown }[] }>(system.url, SEND_MANY, { inputs }, { token: system.devTokens!.service });
    expect(sendNotifications.map((result) => result.error)).toEqual(items.map(() => null));
  }

  const ranking = (id: string) =>
    page.locator(`#${id} li`).evaluateAll((items) => items.map((item) => [(item as HTMLElement).dataset.member, Number((item as HTMLElement).dataset.score)]));

  /** What the chart holds: each kind's sends over the series. */
  const chartTotals = () =>
    page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: { label: string; data: number[] }[] } } } }).Chart.getChart('sends-chart');
      return Object.fromEntries(chart.data.datasets.map((dataset) => [dataset.label, dataset.data.reduce((total, value) => total + value, 0)]));
    });

  it('shows the chart, the hour and the rankings change live as notifications are sent', { timeout: 90_000 }, async () => {
    // A team's own kind gets a series of its own: the page charts every registered kind.
    await graphqlData(system.url, `mutation { registerKind(input: { name: "invoice.paid" }) { name } }`, {}, { token: system.devTokens!.service });
    await page.goto(new URL('/analytics', system.url).href);
    // What the page said, should it never go live.
    await page.locator('#status[data-status="live"]').waitFor().catch((error: Error) => {
      throw new Error(`${error.message}\nthe page said: ${problems.join('\n')}`);
    });
    await metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field: 'statsWindow' }) >= 1, 'the page subscribed');
    await page.locator('#sends[data-total="0"]').waitFor();
    expect(await ranking('top-senders')).toEqual([]);

    await send([
      { senderId: '1', recipientId: '2', kind: 'comment' },
      { senderId: '1', recipientId: '2', kind: 'comment' },
      { senderId: '1', recipientId: '3', kind: 'like' },
      { senderId: '3', recipientId: '2', kind: 'mention' },
    ]);
    await page.locator('#sends[data-total="4"]').waitFor({ timeout: 30_000 });
    await page.locator('#hour[data-sent="4"]').waitFor();
    await page.locator('#top-senders li[data-member="3"]').waitFor();
    expect(await chartTotals()).toMatchObject({ comment: 2, like: 1, mention: 1, follow: 0, 'invoice.paid': 0 });
    expect(await ranking('top-senders')).toEqual([['1', 3], ['3', 1]]);
    expect(await ranking('top-recipients')).toEqual([['2', 3], ['3', 1]]);
    expect(await page.locator('#hour-sent').textContent()).toBe('4');

    // Three more from user 3, to user 3: the rankings turn round.
    await send([0, 1, 2].map(() => ({ senderId: '3', recipientId: '3', kind: 'follow' })));
    await page.locator('#top-senders li:first-child[data-member="3"][data-score="4"]').waitFor({ timeout: 30_000 });
    await page.locator('#top-recipients li:first-child[data-member="3"][data-score="4"]').waitFor();
    await page.locator('#sends[data-total="7"]').waitFor();
    expect(await chartTotals()).toMatchObject({ comment: 2, like: 1, mention: 1, follow: 3 });
    expect(await ranking('top-senders')).toEqual([['3', 4], ['1', 3]]);

    await page.screenshot({ path: '.data/analytics-page.png' });
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
  });
});
