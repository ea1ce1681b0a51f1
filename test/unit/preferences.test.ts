import { describe, expect, it } from 'vitest';
import { DEFAULT_KINDS, canonicalTimeZone, createPreferences, mergePreferences, toChange, type KindTable } from '../../src/notifications/preferences.js';
import type { PreferencesChange, StoredPreferences } from '../../src/notifications/ports.js';
import { expectNotifyError } from './fixtures.js';

describe('mergePreferences', () => {
  it('gives every kind its default where nothing is stored, in the table order, and UTC', () => {
    expect(mergePreferences({ timeZone: null, kinds: [] })).toEqual({
      timeZone: 'UTC',
      kinds: [
        { kind: 'follow', inApp: true, delivery: 'immediate', critical: false },
        { kind: 'mention', inApp: true, delivery: 'immediate', critical: false },
        { kind: 'like', inApp: true, delivery: 'immediate', critical: false },
        { kind: 'comment', inApp: true, delivery: 'immediate', critical: false },
        { kind: 'system', inApp: true, delivery: 'immediate', critical: true },
      ],
    });
  });

  it('lays stored overrides over the defaults, field by field', () => {
    const merged = mergePreferences({
      timeZone: 'Europe/Paris',
      kinds: [
        { kind: 'like', inApp: false, delivery: null },
        { kind: 'comment', inApp: null, delivery: 'hourly_digest' },
      ],
    });
    expect(merged.timeZone).toBe('Europe/Paris');
    expect(merged.kinds.find((k) => k.kind === 'like')).toEqual({ kind: 'like', inApp: false, delivery: 'immediate', critical: false });
    expect(merged.kinds.find((k) => k.kind === 'comment')).toEqual({ kind: 'comment', inApp: true, delivery: 'hourly_digest', critical: false });
  });

  it('ignores a stored mute or digest of a critical kind (one that became critical after it was set)', () => {
    const merged = mergePreferences({ timeZone: null, kinds: [{ kind: 'system', inApp: false, delivery: 'daily_digest' }] });
    expect(merged.kinds.find((k) => k.kind === 'system')).toEqual({ kind: 'system', inApp: true, delivery: 'immediate', critical: true });
  });

  it('follows the kind table it is given (what a registry will replace)', () => {
    const table: KindTable = new Map([
      ['mention', { inApp: false, delivery: 'daily_digest', critical: false }],
      ['like', { inApp: true, delivery: 'immediate', critical: true }],
    ]);
    expect(mergePreferences({ timeZone: null, kinds: [{ kind: 'like', inApp: false, delivery: null }] }, table).kinds).toEqual([
      { kind: 'mention', inApp: false, delivery: 'daily_digest', critical: false },
      { kind: 'like', inApp: true, delivery: 'immediate', critical: true },
    ]);
  });
});

describe('toChange', () => {
  it('keeps only what differs from the default; a value equal to it clears the override; absent fields are left alone', () => {
    expect(
      toChange({
        timeZone: 'Europe/Paris',
        kinds: [
          { kind: 'like', inApp: false },
          { kind: 'comment', inApp: true, delivery: 'daily_digest' },
          { kind: 'mention', delivery: 'immediate', inApp: null },
        ],
      }),
    ).toEqual({
      timeZone: 'Europe/Paris',
      kinds: [
        { kind: 'like', inApp: false },
        { kind: 'comment', inApp: null, delivery: 'daily_digest' },
        { kind: 'mention', delivery: null },
      ],
    });
    expect(toChange({})).toEqual({ kinds: [] });
  });

  it('refuses to mute or digest a critical kind (it is always delivered, at once), but lets it be set in-app and immediate', () => {
    expectNotifyError(() => toChange({ kinds: [{ kind: 'system', inApp: false }] }), 'BAD_USER_INPUT', 'kinds');
    expectNotifyError(() => toChange({ kinds: [{ kind: 'system', delivery: 'hourly_digest' }] }), 'BAD_USER_INPUT', 'kinds');
    expect(toChange({ kinds: [{ kind: 'system', inApp: true, delivery: 'immediate' }] }).kinds).toEqual([{ kind: 'system', inApp: null, delivery: null }]);
  });

  it('refuses a kind named twice, and a kind the table does not know', () => {
    expectNotifyError(() => toChange({ kinds: [{ kind: 'like', inApp: false }, { kind: 'like', delivery: 'daily_digest' }] }), 'BAD_USER_INPUT', 'kinds');
    const table: KindTable = new Map([['mention', DEFAULT_KINDS.get('mention')!]]);
    expectNotifyError(() => toChange({ kinds: [{ kind: 'like', inApp: false }] }, table), 'BAD_USER_INPUT', 'kinds');
  });
});

describe('canonicalTimeZone', () => {
  it('takes IANA names as Intl spells them', () => {
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Europe/Paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone('US/Eastern')).toBe('America/New_York');
    // Intl's (CLDR's) spelling, not the newest tzdb alias.
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Buenos_Aires');
  });

  it('refuses what is no zone name: unknown names, offsets, abbreviations, empty, overlong', () => {
    for (const value of ['Mars/Olympus_Mons', '+01:00', 'UTC+1', 'CEST', '', ' Europe/Paris', 'Europe/Paris\n', `Europe/${'x'.repeat(80)}`]) {
      expectNotifyError(() => canonicalTimeZone(value), 'BAD_USER_INPUT', 'timeZone');
    }
  });
});

describe('createPreferences', () => {
  it('validates the user id and the change before the store sees them, and answers what the store then holds', async () => {
    let stored: StoredPreferences = { timeZone: null, kinds: [] };
    const changes: PreferencesChange[] = [];
    const preferences = createPreferences({
      store: {
        getPreferences: async () => stored,
        setPreferences: async (_userId, change) => {
          changes.push(change);
          stored = { timeZone: change.timeZone ?? stored.timeZone, kinds: [{ kind: 'like', inApp: false, delivery: null }] };
        },
      },
    });
    await expect(preferences.set('not a user id!', { kinds: [] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'userId' } });
    await expect(preferences.set('2', { kinds: [{ kind: 'system', inApp: false }] })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(changes).toEqual([]);
    const after = await preferences.set('2', { timeZone: 'Asia/Tokyo', kinds: [{ kind: 'like', inApp: false }] });
    expect(changes).toEqual([{ timeZone: 'Asia/Tokyo', kinds: [{ kind: 'like', inApp: false }] }]);
    expect(after.timeZone).toBe('Asia/Tokyo');
    expect(after.kinds.find((k) => k.kind === 'like')?.inApp).toBe(false);
  });
});
