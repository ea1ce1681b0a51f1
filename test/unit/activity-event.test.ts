import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeActivity, encodeActivity, type Activity } from '../../src/notifications/activity-event.js';

const activity = (): Activity => ({
  id: randomUUID(),
  action: 'read',
  userId: '2',
  notificationId: randomUUID(),
  kind: 'like',
  notificationCreatedAt: new Date('2026-12-06T10:00:00.000Z'),
  at: new Date('2026-12-06T10:00:42.500Z'),
});

describe('the activity event', () => {
  it('round-trips, keyed by the recipient', () => {
    const original = activity();
    const { key, value } = encodeActivity(original);
    expect(key).toBe('2');
    expect(decodeActivity(value)).toEqual({ ok: true, activity: original });
  });

  it('refuses what is not one, saying why', () => {
    expect(decodeActivity(null)).toMatchObject({ ok: false, reason: 'undecodable' });
    expect(decodeActivity('{')).toMatchObject({ ok: false, reason: 'undecodable' });
    const { value } = encodeActivity(activity());
    const wrong = { ...JSON.parse(value), action: 'liked' };
    expect(decodeActivity(JSON.stringify(wrong))).toMatchObject({ ok: false, reason: 'invalid', error: expect.stringMatching(/^invalid event: action/) });
    const future = { ...JSON.parse(value), v: 2 };
    expect(decodeActivity(JSON.stringify(future))).toMatchObject({ ok: false, reason: 'invalid' });
  });
});
