import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../src/notifications/cursor.js';
import { expectNotifyError } from './fixtures.js';

const base64url = (text: string) => Buffer.from(text).toString('base64url');

describe('cursor', () => {
  it.each([0, 1, 42, 1_000_000, Number.MAX_SAFE_INTEGER])('round-trips seq %d', (seq) => {
    expect(decodeCursor(encodeCursor(seq), 'after')).toBe(seq);
  });

  it('is opaque: URL-safe text that does not show the number', () => {
    const cursor = encodeCursor(12345);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('12345');
  });

  it('gives different cursors for different seqs', () => {
    expect(encodeCursor(1)).not.toBe(encodeCursor(2));
  });

  it.each([
    ['an empty string', ''],
    ['text that is not base64url', '%%%'],
    ['base64url of text without the prefix', base64url('42')],
    ['base64url of another prefix', base64url('x:42')],
    ['a prefix with letters', base64url('n:abc')],
    ['a negative seq', base64url('n:-1')],
    ['a fractional seq', base64url('n:1.5')],
    ['a seq above the safe integers', base64url('n:9007199254740993')],
    ['Infinity', base64url('n:Infinity')],
  ])('rejects %s with BAD_USER_INPUT naming the field', (_name, cursor) => {
    const error = expectNotifyError(() => decodeCursor(cursor, 'before'), 'BAD_USER_INPUT', 'before');
    expect(error.message).toBe('before is not a valid cursor');
  });

  // `Number('')` is 0, so the bare prefix decodes to the very first position instead of failing.
  it('rejects the prefix without a number', () => {
    expectNotifyError(() => decodeCursor(base64url('n:'), 'after'), 'BAD_USER_INPUT', 'after');
  });
});
