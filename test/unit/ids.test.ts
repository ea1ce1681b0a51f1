import { describe, expect, it } from 'vitest';
import { newNotificationId } from '../../src/notifications/ids.js';
import { NOTIFICATION_ID_PATTERN } from '../../src/notifications/validation.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('newNotificationId', () => {
  it('without a key gives a fresh random UUID (v4) each time', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newNotificationId('alice', 'bob', null)));
    expect(ids.size).toBe(100);
    for (const id of ids) {
      expect(id).toMatch(UUID);
      expect(id[14]).toBe('4');
    }
  });

  it('treats an empty or absent key as no key', () => {
    expect(newNotificationId('alice', 'bob', '')).not.toBe(newNotificationId('alice', 'bob', ''));
    expect(newNotificationId('alice', 'bob', undefined)).not.toBe(newNotificationId('alice', 'bob', undefined));
  });

  it('with a key gives the same id for the same sender and key', () => {
    expect(newNotificationId('alice', 'bob', 'order-1')).toBe(newNotificationId('alice', 'bob', 'order-1'));
    expect(newNotificationId(null, 'bob', 'order-1')).toBe(newNotificationId(null, 'bob', 'order-1'));
  });

  it('with a key is a version-8 UUID with the RFC variant', () => {
    const id = newNotificationId('alice', 'bob', 'order-1');
    expect(id).toMatch(UUID);
    expect(id[14]).toBe('8');
  });

  it('gives different ids for a different key', () => {
    expect(newNotificationId('alice', 'bob', 'order-1')).not.toBe(newNotificationId('alice', 'bob', 'order-2'));
  });

  it('gives different ids for a different sender, including no sender', () => {
    const ids = new Set([newNotificationId('alice', 'bob', 'k'), newNotificationId('bob', 'bob', 'k'), newNotificationId(null, 'bob', 'k')]);
    expect(ids.size).toBe(3);
  });

  it('scopes the key of a SYSTEM notification (no sender) by recipient', () => {
    expect(newNotificationId(null, 'bob', 'welcome')).not.toBe(newNotificationId(null, 'carol', 'welcome'));
    expect(newNotificationId(null, 'bob', 'welcome')).toBe(newNotificationId(null, 'bob', 'welcome'));
  });

  it('scopes the key of a user-sent notification by recipient too: one key to two people is two notifications', () => {
    expect(newNotificationId('alice', 'bob', 'k')).not.toBe(newNotificationId('alice', 'carol', 'k'));
    expect(newNotificationId('alice', 'bob', 'k')).toBe(newNotificationId('alice', 'bob', 'k'));
  });

  it('does not let sender and key run into each other', () => {
    expect(newNotificationId('ab', 'bob', 'c')).not.toBe(newNotificationId('a', 'bob', 'bc'));
  });

  it('gives ids that NOTIFICATION_ID_PATTERN accepts, random and derived', () => {
    for (const id of [newNotificationId(null, 'bob', null), newNotificationId('alice', 'bob', 'k'), newNotificationId(null, 'bob', 'ünïcødé ✓')]) {
      expect(NOTIFICATION_ID_PATTERN.test(id)).toBe(true);
    }
  });
});
