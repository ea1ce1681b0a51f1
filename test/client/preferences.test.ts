/**
 * <Preferences /> and usePreferences of @kafka-notify/react against the real system: the panel
 * shows every kind, the critical one's checkbox is disabled with its note, and unchecking a kind
 * mutes it on the server; a delivery chosen in the select is kept.
 */
import '../support/dom.js';
import { cleanup, fireEvent, render, waitFor } from '@testing-library/react';
import { createElement, type ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { InboxProvider, Preferences } from '../../packages/react/src/index.js';
import { graphqlData } from '../support/graphql.js';
import { inboxUsers } from '../support/inbox-users.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

const LIVE = { timeout: 20_000 };

describe('@kafka-notify/react <Preferences />', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem();
    await waitUntilReady(system);
  });
  afterEach(() => cleanup());
  afterAll(() => system?.dispose());

  const newUser = inboxUsers(() => system.url, 'preferences', LIVE);
  const wrapperFor = (token: string) => ({ children }: { children: ReactNode }) =>
    createElement(InboxProvider, { url: system.url, getToken: () => token, webSocketImpl: WebSocket }, children);

  it('mutes a kind with its checkbox, picks a delivery, and offers no mute for the critical kind', async () => {
    const user = await newUser();
    const view = render(createElement(Preferences), { wrapper: wrapperFor(user.token) });
    const checkbox = (label: string) => view.getByRole('checkbox', { name: `${label} in the inbox` }) as HTMLInputElement;
    await waitFor(() => expect(checkbox('Like').checked).toBe(true), LIVE);
    expect(checkbox('System').disabled).toBe(true);
    expect(view.container.querySelector('[data-kind="system"]')?.textContent).toContain('cannot be muted');
    expect(view.getAllByRole('checkbox').filter((box) => (box as HTMLInputElement).disabled)).toHaveLength(1);

    fireEvent.click(checkbox('Like'));
    await waitFor(() => expect(checkbox('Like').checked).toBe(false), LIVE);
    fireEvent.change(view.getByRole('combobox', { name: 'Comment delivery' }), { target: { value: 'DAILY_DIGEST' } });
    await waitFor(() => expect((view.getByRole('combobox', { name: 'Comment delivery' }) as HTMLSelectElement).value).toBe('DAILY_DIGEST'), LIVE);

    const { preferences } = await graphqlData<{ preferences: { kinds: { kind: string; inApp: boolean; delivery: string }[] } }>(
      system.url,
      '{ preferences { kinds { kind inApp delivery } } }',
      {},
      { token: user.token },
    );
    expect(preferences.kinds.filter((k) => !k.inApp || k.delivery !== 'IMMEDIATE')).toEqual([
      { kind: 'like', inApp: false, delivery: 'IMMEDIATE' },
      { kind: 'comment', inApp: true, delivery: 'DAILY_DIGEST' },
    ]);
  });
});
