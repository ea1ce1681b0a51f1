/**
 * The demo page and @kafka-notify/react as people use them, in headless Chromium against the
 * real system (Kafka, store, HTTP, WebSocket). Emma sends to Bruno from her window; Bruno's two
 * tabs see the badge rise with no reload; opening the bell clears it while the notification stays
 * unread; he marks it read in one and both drop to 0. Then Bruno's network drops (his sockets
 * destroyed by the server), three notifications are sent and stored meanwhile, and when the
 * network is back exactly those three appear, once, in order. Then the tabs (an archive in one
 * window lands in the other's Archived tab, unarchived from there), snooze, and the preferences
 * behind the bell's gear (a muted kind does not arrive), by mouse and keyboard.
 */
import { mkdir } from 'node:fs/promises';
import axe from 'axe-core';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, hasChromium, launchChromium } from '../support/chromium.js';
import { ensureDemoBuilt } from '../support/demo-bundle.js';
import { graphqlData } from '../support/graphql.js';
import { metricsUntil, sample } from '../support/metrics.js';
import { networkGate } from '../support/network-gate.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const BRUNO_AGENT = 'kafka-notify-test bruno';
const SCREENSHOT = '.data/inbox-demo.png';

describe.skipIf(!hasChromium)(`the inbox demo in a browser (skipped without ${CHROMIUM}: apt-get install chromium)`, () => {
  let system: TestSystem;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let gate: ReturnType<typeof networkGate>;
  let bruno: BrowserContext;
  let brunoTabs: [Page, Page];
  let emmaPage: Page;
  const outside: string[] = [];

  /** Waits until the server runs `count` subscriptions of `field`: the pages are listening. */
  const listening = (field: string, count: number) =>
    metricsUntil(system.metricsUrl, (m) => sample(m, 'notify_subscriptions_active', { field }) >= count, `${count} ${field} subscriptions`);

  const bell = (page: Page) => page.locator('.demo-header .kn-bell');
  /** The badge: the unseen count (opening the bell clears it); `data-unread` is the feed's count. */
  const badgeIs = (page: Page, count: number) => page.locator(`.demo-header .kn-bell[data-unseen="${count}"]`).waitFor();
  const unreadIs = (page: Page, count: number) => page.locator(`.demo-header .kn-bell[data-unread="${count}"]`).waitFor();
  const inboxMessages = (page: Page) => page.locator('.demo-inbox-card .kn-message').allTextContents();
  /** Until the feed in `within` shows exactly `messages`, in order. */
  const shows = (within: Locator, messages: string[]) =>
    expect.poll(() => within.locator('.kn-message').allTextContents(), { timeout: 20_000 }).toEqual(messages);

  /** axe-core over the page, or over the elements `selector` names. */
  async function expectNoAxeViolation(page: Page, selector?: string) {
    // evaluate, not a <script>: the page's CSP allows its own bundle only.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
    const violations = await page.evaluate(async (within) => {
      const result = await (window as unknown as { axe: typeof axe }).axe.run(within ?? document);
      return result.violations.map(({ id, nodes }) => ({ id, targets: nodes.map((node) => node.target.join(' ')) }));
    }, selector);
    expect(violations).toEqual([]);
  }

  async function open(context: BrowserContext, as: string): Promise<Page> {
    const page = await context.newPage();
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (!['blob:', 'data:'].includes(url.protocol) && url.host !== new URL(system.url).host) outside.push(request.url());
    });
    await page.goto(new URL(`/?as=${as}`, system.url).href);
    await page.locator('.demo-pill[data-status="live"]').waitFor();
    // A mark on the window: were the page to reload, it would be gone.
    await page.evaluate(() => Object.assign(window, { loadedOnce: true }));
    return page;
  }

  beforeAll(async () => {
    // Development defaults (no AUTH_JWT_SECRET): the dev tokens the demo page offers, as `npm start` has them.
    [system] = await Promise.all([startTestSystem({ env: { AUTH_JWT_SECRET: '' } }), ensureDemoBuilt()]);
    await waitUntilReady(system);
    gate = networkGate(system.app.server, (request) => request.headers['user-agent'] === BRUNO_AGENT);
    browser = await launchChromium();
    bruno = await browser.newContext({ userAgent: BRUNO_AGENT, viewport: { width: 1280, height: 820 } });
    brunoTabs = [await open(bruno, '2'), await open(bruno, '2')];
    emmaPage = await open(await browser.newContext(), '1');
    await Promise.all([listening('notificationAdded', 3), listening('notificationsChanged', 3)]);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.dispose();
  });

  it("rises Bruno's badge live when Emma sends, and clears it in both his tabs when he reads it in one", async () => {
    for (const tab of brunoTabs) await badgeIs(tab, 0);

    await emmaPage.getByLabel('To').selectOption({ label: 'Bruno' });
    await emmaPage.getByLabel('Message').fill('Emma started following you.');
    await emmaPage.getByRole('button', { name: 'Send' }).click();
    await emmaPage.getByRole('status').filter({ hasText: 'Sent to Bruno.' }).waitFor();

    for (const tab of brunoTabs) await badgeIs(tab, 1);
    const [first, second] = brunoTabs;
    await bell(first).click();
    const popover = first.locator('.kn-popover');
    await popover.getByText('Emma started following you.').waitFor();
    // Opening the bell in one tab clears the badge in both; the notification is still unread.
    for (const tab of brunoTabs) {
      await badgeIs(tab, 0);
      await unreadIs(tab, 1);
    }
    await popover.getByRole('button', { name: 'Mark as read: Emma started following you.' }).click();

    for (const tab of brunoTabs) await unreadIs(tab, 0);
    await second.locator('.demo-inbox-card .kn-item[data-status="READ"]').getByText('Emma started following you.').waitFor();
    expect(await bell(first).getAttribute('aria-label')).toBe('Notifications');
    for (const tab of brunoTabs) expect(await tab.evaluate(() => 'loadedOnce' in window)).toBe(true);
    expect(outside).toEqual([]);
  });

  it('after a dropped connection shows exactly the notifications sent meanwhile, once each, in order', async () => {
    const [first, second] = brunoTabs;
    const before = await inboxMessages(first);
    gate.drop();
    for (const tab of brunoTabs) await tab.locator('.demo-pill[data-status="reconnecting"]').waitFor();

    const emma = system.devTokens!.users.find(({ user }) => user.id === '1')!.token;
    const brunoToken = system.devTokens!.users.find(({ user }) => user.id === '2')!.token;
    const sent = ['Emma liked your post.', 'Emma mentioned you in a comment.', 'Emma commented on your post.'];
    for (const [index, message] of sent.entries()) {
      await graphqlData(
        system.url,
        'mutation ($input: SendNotificationInput!) { sendNotification(input: $input) { id } }',
        { input: { recipientId: '2', kind: ['like', 'mention', 'comment'][index], message } },
        { token: emma },
      );
    }
    // Stored while Bruno is away: what reaches him now can only come from resuming.
    await expect
      .poll(async () => (await graphqlData<{ unreadCount: number }>(system.url, '{ unreadCount }', {}, { token: brunoToken })).unreadCount, { timeout: 20_000 })
      .toBe(3);
    expect(await inboxMessages(first)).toEqual(before);

    gate.restore();
    const expected = [...[...sent].reverse(), ...before];
    for (const tab of brunoTabs) {
      await tab.locator('.demo-pill[data-status="live"]').waitFor();
      await tab.waitForFunction((count) => document.querySelectorAll('.demo-inbox-card .kn-item').length >= count, expected.length);
      expect(await inboxMessages(tab)).toEqual(expected);
      await badgeIs(tab, 3);
    }
    // And the popover's feed in the first tab, which was open through it all.
    expect(await first.locator('.kn-popover .kn-message').allTextContents()).toEqual(expected);
    expect(await second.evaluate(() => 'loadedOnce' in window)).toBe(true);
  });

  it('tabs: Unread lists only the unread, an archive in one window lands in the other’s Archived tab, and Unarchive there brings it back', async () => {
    const [first, second] = brunoTabs;
    const popover = first.locator('.kn-popover');
    const card = second.locator('.demo-inbox-card');
    const everything = ['Emma commented on your post.', 'Emma mentioned you in a comment.', 'Emma liked your post.', 'Emma started following you.'];
    await shows(popover, everything);

    await popover.getByRole('tab', { name: /^Unread/ }).click();
    await shows(popover, everything.slice(0, 3));
    expect(await popover.getByRole('tab', { name: /^Unread/ }).textContent()).toBe('Unread3');
    // The tabs are one tab stop: the arrow keys move between them and select.
    await first.keyboard.press('ArrowRight');
    await expect.poll(() => first.evaluate(() => document.activeElement?.textContent)).toBe('Archived');
    await popover.getByText('Nothing archived.').waitFor();
    await first.keyboard.press('Home');
    await shows(popover, everything);

    await card.getByRole('tab', { name: 'Archived' }).click();
    await card.getByText('Nothing archived.').waitFor();
    await popover.getByRole('button', { name: 'Archive: Emma liked your post.' }).click();
    await shows(popover, everything.filter((message) => message !== 'Emma liked your post.'));
    // Pushed to the other window, into the tab that shows it, with no reload.
    await shows(card, ['Emma liked your post.']);
    for (const tab of brunoTabs) await unreadIs(tab, 2);

    await card.getByRole('button', { name: 'Unarchive: Emma liked your post.' }).click();
    await card.getByText('Nothing archived.').waitFor();
    await shows(popover, everything);
    for (const tab of brunoTabs) await unreadIs(tab, 3);
    await card.getByRole('tab', { name: 'All' }).click();
    await shows(card, everything);
  });

  it('snooze: "Snooze 1 h" takes one out of the feed and the counts, into the Snoozed tab, where "Unsnooze" brings it back', async () => {
    const [first, second] = brunoTabs;
    const card = second.locator('.demo-inbox-card');
    const everything = ['Emma commented on your post.', 'Emma mentioned you in a comment.', 'Emma liked your post.', 'Emma started following you.'];
    await card.getByRole('button', { name: 'Snooze 1 h: Emma mentioned you in a comment.' }).click();
    await shows(card, everything.filter((message) => !message.includes('mentioned')));
    for (const tab of brunoTabs) await unreadIs(tab, 2);
    await shows(first.locator('.kn-popover'), everything.filter((message) => !message.includes('mentioned')));

    await card.getByRole('tab', { name: 'Snoozed' }).click();
    await shows(card, ['Emma mentioned you in a comment.']);
    await card.getByRole('button', { name: 'Unsnooze: Emma mentioned you in a comment.' }).click();
    await card.getByText('Nothing snoozed.').waitFor();
    for (const tab of brunoTabs) await unreadIs(tab, 3);
    await card.getByRole('tab', { name: 'All' }).click();
    await shows(card, everything);
  });

  it('preferences: the gear opens them in the bell’s panel (focus managed, axe-clean); a muted kind does not arrive, and arrives again once unmuted', async () => {
    const [first] = brunoTabs;
    const popover = first.locator('.kn-popover');
    const everything = ['Emma commented on your post.', 'Emma mentioned you in a comment.'];
    const like = popover.getByRole('checkbox', { name: 'Like in the inbox' });
    await popover.getByRole('button', { name: 'Notification preferences' }).click();
    await expect.poll(() => first.evaluate(() => document.activeElement?.getAttribute('aria-labelledby') && document.activeElement.textContent?.startsWith('Back'))).toBe(true);
    await expectNoAxeViolation(first, '.kn-popover');
    // A click, not uncheck(): the box is controlled, so it shows the change once the server took it.
    await like.click();
    await expect.poll(async () => [await like.isChecked(), await like.getAttribute('aria-disabled')]).toEqual([false, null]);

    const sendAs = async (page: Page, kind: string, message: string) => {
      await page.getByLabel('To').selectOption({ label: 'Bruno' });
      await page.getByRole('radio', { name: kind }).check();
      await page.getByLabel('Message').fill(message);
      // Disabled while one is on its way: the next is sent only once Kafka acknowledged this one.
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.getByRole('button', { name: 'Send', exact: true }).and(page.locator(':enabled')).waitFor();
      await page.getByRole('status').filter({ hasText: 'Sent to Bruno.' }).waitFor();
    };
    await sendAs(emmaPage, 'Like', 'A like while muted.');
    await sendAs(emmaPage, 'Follow', 'A follow after the muted like.');
    // One recipient's notifications are stored in order: the follow arriving means the like was passed over.
    await first.locator('.demo-inbox-card').getByText('A follow after the muted like.').waitFor();
    expect(await first.locator('.demo-inbox-card .kn-message').allTextContents()).not.toContain('A like while muted.');
    const stored = await graphqlData<{ notifications: { edges: { node: { message: string } }[] } }>(
      system.url,
      '{ notifications(first: 3) { edges { node { message } } } }',
      {},
      { token: system.devTokens!.users.find(({ user }) => user.id === '2')!.token },
    );
    expect(stored.notifications.edges.map(({ node }) => node.message)).toEqual(['A follow after the muted like.', ...everything.slice(0, 2)]);

    // Escape closes the preferences (not the popover) and gives focus back to the gear.
    await first.keyboard.press('Escape');
    await expect.poll(() => first.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Notification preferences');
    await popover.getByText('A follow after the muted like.').waitFor();
    await first.keyboard.press('Enter');
    await like.click();
    await expect.poll(async () => [await like.isChecked(), await like.getAttribute('aria-disabled')]).toEqual([true, null]);
    await popover.getByRole('button', { name: 'Back' }).click();
    await sendAs(emmaPage, 'Like', 'A like once unmuted.');
    await shows(popover.locator('.kn-item').first(), ['A like once unmuted.']);
  });

  it('action buttons: a key button pressed in one window shows as chosen in the other, a URL button is a link, both axe-clean', async () => {
    const [first, second] = brunoTabs;
    const emma = system.devTokens!.users.find(({ user }) => user.id === '1')!.token;
    const message = 'Emma asks: may I merge #7?';
    await graphqlData(
      system.url,
      'mutation ($input: SendNotificationInput!) { sendNotification(input: $input) { id } }',
      { input: { recipientId: '2', kind: 'comment', message, actions: [{ label: 'Approve', key: 'approve' }, { label: 'View the diff', url: '/pulls/7' }] } },
      { token: emma },
    );
    const popover = first.locator('.kn-popover');
    const card = second.locator('.demo-inbox-card');
    expect(await card.getByRole('link', { name: `View the diff: ${message}` }).getAttribute('href', { timeout: 20_000 })).toBe('/pulls/7');
    await popover.getByRole('button', { name: `Approve: ${message}` }).waitFor();
    await expectNoAxeViolation(first, '.kn-popover');

    await popover.getByRole('button', { name: `Approve: ${message}` }).click();
    for (const where of [popover, card]) {
      await where.locator('.kn-item', { hasText: message }).locator('.kn-action-chosen', { hasText: 'Approve' }).waitFor();
      expect(await where.getByRole('button', { name: `Approve: ${message}` }).count()).toBe(0);
    }
    await expectNoAxeViolation(second, '.demo-inbox-card');
  });

  it('what a back end sends: five likes on one post are one grouped item with the first actors’ initials; a button pressed in one window shows as chosen in the other and tells onAction; a kind the team registers arrives and is offered', async () => {
    const [first, second] = brunoTabs;
    // Clicked in the first window, as a back end would send: to Bruno, with the service token.
    const scenario = async (name: string, outcome: string) => {
      await first.getByRole('button', { name }).click();
      await first.locator('.demo-scenarios .demo-outcome').filter({ hasText: outcome }).waitFor();
    };

    await scenario('Five likes on one post', 'Five likes sent');
    const group = second.locator('.demo-grouped-card .kn-group').filter({ hasText: 'Mia and 4 others liked your post' });
    await group.waitFor();
    expect(await group.getAttribute('data-count')).toBe('5');
    expect(await group.locator('.kn-avatar').evaluateAll((avatars) => avatars.map((avatar) => avatar.getAttribute('title')))).toEqual(['Mia', 'Noah', 'Lena']);

    await scenario('A request with buttons', 'A request with two buttons sent');
    const request = 'Emma asks: may I merge the release branch?';
    await second.locator('.demo-inbox-card').getByRole('button', { name: `Approve: ${request}` }).click();
    await second.locator('.demo-action-told').filter({ hasText: `onAction("approve") for “${request}”` }).waitFor();
    // The other window, through the push alone.
    await first.locator('.demo-inbox-card .kn-item').filter({ hasText: request }).locator('.kn-action-chosen').filter({ hasText: 'Approve' }).waitFor();

    await scenario('Your team’s kind: invoice.paid', 'registered');
    await first.locator('.demo-inbox-card .kn-item').filter({ hasText: 'Emma paid invoice #1042.' }).getByText('invoice.paid').waitFor();
    await first.getByRole('radio', { name: 'invoice.paid' }).waitFor();
    // The scenarios' clicks, outside the bell's popover, closed it: open again for the next check.
    await bell(first).click();
    await first.locator('.kn-popover').getByText('Emma paid invoice #1042.').waitFor();
  });

  it('has no accessibility violation axe-core can find, with the inbox open', async () => {
    const [first] = brunoTabs;
    await first.locator('.kn-popover').waitFor();
    await expectNoAxeViolation(first);
    await mkdir('.data', { recursive: true });
    // Off every item, so no hover state is in the picture.
    await first.mouse.move(1, 1);
    await first.screenshot({ path: SCREENSHOT, clip: { x: 0, y: 0, width: 1280, height: 660 } });
  });
});
