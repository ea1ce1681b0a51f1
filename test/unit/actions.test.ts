/** The rules of action buttons with plain values: what a sender may give, and what a press may do. */
import { describe, expect, it } from 'vitest';
import { alreadyPressed, assertActions, assertButton } from '../../src/notifications/actions.js';
import { fromWire, toWire } from '../../src/pubsub/wire.js';
import { expectNotifyError, stored } from './fixtures.js';

const APPROVE = { label: 'Approve', url: null, key: 'approve' };
const VIEW = { label: 'View', url: 'https://example.com/pulls/7', key: null };

describe('assertActions', () => {
  it('keeps up to two buttons with trimmed labels and null for what is absent; none when absent', () => {
    expect(assertActions([{ label: ' Approve ', key: 'approve' }, { label: 'View', url: VIEW.url }])).toEqual([APPROVE, VIEW]);
    expect(assertActions(undefined)).toEqual([]);
    expect(assertActions(null)).toEqual([]);
    expect(assertActions([])).toEqual([]);
  });

  it.each([
    [[APPROVE, VIEW, APPROVE], 'actions'],
    [[{ label: '', key: 'a' }], 'actions.0.label'],
    [[APPROVE, { label: 'a\u0000b', key: 'a' }], 'actions.1.label'],
    [[{ label: 'x'.repeat(41), key: 'a' }], 'actions.0.label'],
    [[{ label: 'Both', url: '/a', key: 'a' }], 'actions.0'],
    [[{ label: 'Neither' }], 'actions.0'],
    [[APPROVE, { label: 'Run', url: 'javascript:alert(1)' }], 'actions.1.url'],
    [[{ label: 'Far', url: `/${'a'.repeat(2048)}` }], 'actions.0.url'],
    [[{ label: 'Go', key: '-go' }], 'actions.0.key'],
  ])('refuses %j with BAD_USER_INPUT on %s', (actions, field) => {
    expectNotifyError(() => assertActions(actions), 'BAD_USER_INPUT', field);
  });
});

describe('pressing', () => {
  const notification = stored(1, { actions: [APPROVE, VIEW] });

  it('takes the index of one of its buttons, and nothing else', () => {
    expect(assertButton(notification, 0)).toBe(0);
    expect(assertButton(notification, 1)).toBe(1);
    for (const index of [2, -1, 0.5, Number.NaN]) expectNotifyError(() => assertButton(notification, index), 'BAD_USER_INPUT', 'action');
    expect(expectNotifyError(() => assertButton(stored(2), 0), 'BAD_USER_INPUT', 'action').message).toBe('this notification has no buttons');
  });

  it('lets the first press stand: the same button again is on record, the other is refused naming the first', () => {
    expect(alreadyPressed(notification, 1)).toBe(false);
    const pressed = { ...notification, pressedAction: { index: 1, at: new Date() } };
    expect(alreadyPressed(pressed, 1)).toBe(true);
    const error = expectNotifyError(() => alreadyPressed(pressed, 0), 'ACTION_ALREADY_PRESSED');
    expect(error.message).toContain('"View"');
    expect(error.details).toEqual({ id: notification.id, pressed: 1 });
  });
});

describe('across Redis', () => {
  it('keeps the buttons and the press, its time a Date again; one from an instance that knew none has none', () => {
    const pressed = stored(3, { actions: [APPROVE, VIEW], pressedAction: { index: 0, at: new Date('2026-12-06T07:00:00.000Z') } });
    expect(fromWire(JSON.parse(JSON.stringify(toWire(pressed))))).toEqual(pressed);
    const { actions: _actions, pressedAction: _pressed, ...older } = toWire(pressed);
    expect(fromWire(JSON.parse(JSON.stringify(older)))).toMatchObject({ actions: [], pressedAction: null });
  });
});
