import { describe, expect, it } from 'vitest';
import {
  assertData,
  assertLink,
  assertMessage,
  assertNotificationIds,
  assertUserId,
  jsonProblem,
  textProblem,
  assertMessage as assertMessageForCount,
  DATA_MAX_BYTES,
  LINK_MAX_LENGTH,
} from '../../src/notifications/validation.js';
import { expectNotifyError, nextId } from './fixtures.js';

describe('assertUserId', () => {
  it.each(['a', 'alice', 'Bob_2', 'user.name', 'svc:billing', 'a@b.c', 'x-y', 'auth0|64f1c2', `a${'b'.repeat(63)}`])('accepts %j', (id) => {
    expect(assertUserId(id, 'userId')).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'a'.repeat(65)],
    ['a leading dash', '-alice'],
    ['a leading dot', '.alice'],
    ['a space', 'al ice'],
    ['a slash', 'a/b'],
    ['a newline at the end', 'alice\n'],
    ['a NUL', 'al\u0000ice'],
    ['non-ASCII letters', 'àlice'],
  ])('rejects an id with %s, naming the field', (_name, id) => {
    expectNotifyError(() => assertUserId(id, 'recipientId'), 'BAD_USER_INPUT', 'recipientId');
  });
});

describe('assertNotificationIds', () => {
  it('returns the ids, de-duplicated in first-seen order', () => {
    const [a, b, c] = [nextId(), nextId(), nextId()];
    expect(assertNotificationIds([a, b, a, c, b])).toEqual([a, b, c]);
  });

  it('rejects an empty list', () => {
    expectNotifyError(() => assertNotificationIds([]), 'BAD_USER_INPUT', 'ids');
  });

  it('takes 1000 ids and rejects 1001', () => {
    const ids = Array.from({ length: 1001 }, () => nextId());
    expect(assertNotificationIds(ids.slice(0, 1000))).toHaveLength(1000);
    expectNotifyError(() => assertNotificationIds(ids, 'notificationIds'), 'BAD_USER_INPUT', 'notificationIds');
  });

  it.each([
    ['not a uuid', 'abc'],
    ['braces', `{${nextId()}}`],
    ['no dashes', nextId().replaceAll('-', '')],
    ['a trailing space', `${nextId()} `],
  ])('rejects a list holding a malformed id (%s)', (_name, bad) => {
    expectNotifyError(() => assertNotificationIds([nextId(), bad]), 'BAD_USER_INPUT', 'ids');
  });

  it('accepts an upper-case UUID as the same id in lower case (UUIDs are case-insensitive)', () => {
    const id = nextId();
    expect(assertNotificationIds([id.toUpperCase(), id])).toEqual([id]);
  });
});

describe('assertMessage', () => {
  it('trims surrounding whitespace', () => {
    expect(assertMessage('  hello there \n\t', 100)).toBe('hello there');
  });

  it.each([[''], ['   '], ['\n\t ']])('rejects an empty or blank message %j', (message) => {
    expectNotifyError(() => assertMessage(message, 100), 'BAD_USER_INPUT', 'message');
  });

  it('takes exactly the maximum length and rejects one more, counted after trimming', () => {
    expect(assertMessage('x'.repeat(10), 10)).toBe('x'.repeat(10));
    expect(assertMessage(`  ${'x'.repeat(10)}  `, 10)).toBe('x'.repeat(10));
    expectNotifyError(() => assertMessage('x'.repeat(11), 10), 'BAD_USER_INPUT', 'message');
  });

  it('rejects the NUL character anywhere, even where trimming would not remove it', () => {
    expectNotifyError(() => assertMessage('hi\u0000there', 100), 'BAD_USER_INPUT', 'message');
    expectNotifyError(() => assertMessage('hi\u0000', 100), 'BAD_USER_INPUT', 'message');
  });
});

describe('assertLink', () => {
  it('turns null and undefined into null', () => {
    expect(assertLink(null)).toBeNull();
    expect(assertLink(undefined)).toBeNull();
  });

  it.each(['/', '/posts/42', '/search?q=a#top', 'http://example.com', 'https://example.com/a/b?c=d', 'HTTPS://EXAMPLE.COM'])(
    'accepts %j unchanged',
    (link) => {
      expect(assertLink(link)).toBe(link);
    },
  );

  it.each([
    ['javascript:', 'javascript:alert(1)'],
    ['javascript: with upper case and leading space', ' JavaScript:alert(1)'],
    ['data:', 'data:text/html,hi'],
    ['ftp:', 'ftp://example.com/file'],
    ['mailto:', 'mailto:a@example.com'],
    ['protocol-relative //', '//evil.example/path'],
    ['a relative path without a slash', 'posts/42'],
    ['an empty string', ''],
  ])('rejects %s', (_name, link) => {
    expectNotifyError(() => assertLink(link), 'BAD_USER_INPUT', 'link');
  });

  it(`takes ${LINK_MAX_LENGTH} characters and rejects one more`, () => {
    const prefix = 'https://example.com/';
    const fits = prefix + 'a'.repeat(LINK_MAX_LENGTH - prefix.length);
    expect(assertLink(fits)).toBe(fits);
    expectNotifyError(() => assertLink(`${fits}a`), 'BAD_USER_INPUT', 'link');
  });

  it('rejects the NUL character', () => {
    expectNotifyError(() => assertLink('/posts/\u0000'), 'BAD_USER_INPUT', 'link');
  });

  // Browsers read `/\host` and `/<TAB>/host` as `//host` (the URL parser turns \ into / and drops
  // tabs and newlines), so these "relative paths" lead off-site just like `//evil.example`.
  it('rejects paths that a browser resolves to another host (/\\host, /<tab>/host)', () => {
    const links = ['/\\evil.example', '/\t/evil.example', '/\n/evil.example'];
    for (const link of links) expect(new URL(link, 'https://app.example').host).toBe('evil.example');
    const accepted = links.filter((link) => {
      try {
        assertLink(link);
        return true;
      } catch {
        return false;
      }
    });
    expect(accepted).toEqual([]);
  });
});

describe('assertData', () => {
  it('returns the data as given, null included', () => {
    const data = { a: [1, 'two', null, { b: false }] };
    expect(assertData(data)).toBe(data);
    expect(assertData(null)).toBeNull();
  });

  it(`takes ${DATA_MAX_BYTES} bytes of JSON and rejects one more`, () => {
    const fits = 'a'.repeat(DATA_MAX_BYTES - 2); // the quotes make it DATA_MAX_BYTES
    expect(assertData(fits)).toBe(fits);
    expectNotifyError(() => assertData(`${fits}a`), 'BAD_USER_INPUT', 'data');
  });

  it('counts UTF-8 bytes, not characters', () => {
    expectNotifyError(() => assertData('é'.repeat(DATA_MAX_BYTES / 2)), 'BAD_USER_INPUT', 'data');
  });

  it.each([
    ['a value', { a: 'x\u0000' }],
    ['a key', { ['k\u0000']: 1 }],
    ['an array item', ['ok', ['no\u0000']]],
    ['a nested key', { a: { b: { ['\u0000']: null } } }],
  ])('rejects the NUL character in %s', (_name, data) => {
    expectNotifyError(() => assertData(data), 'BAD_USER_INPUT', 'data');
  });
});

describe('jsonProblem and textProblem', () => {
  it('accepts plain JSON and refuses NUL, lone surrogates (in values and keys) and deep nesting', () => {
    expect(jsonProblem({ a: [1, true, null, 'fine'], b: { c: 'fine' } })).toBeNull();
    expect(jsonProblem(0)).toBeNull();
    expect(jsonProblem({ a: [{ b: '\u0000' }] })).toMatch(/NUL/);
    expect(jsonProblem({ x: '\ud800' })).toMatch(/well-formed/);
    expect(jsonProblem({ ['\udc00']: 1 })).toMatch(/well-formed/);
    expect(textProblem('😀 ok')).toBeNull();
    let deep: unknown = 1;
    for (let i = 0; i < 2500; i += 1) deep = [deep];
    expect(jsonProblem(deep)).toMatch(/deeper than 32/);
    let fine: unknown = 1;
    for (let i = 0; i < 32; i += 1) fine = [fine];
    expect(jsonProblem(fine)).toBeNull();
  });

  it('counts message length in characters (code points), not UTF-16 units', () => {
    expect(assertMessageForCount('😀'.repeat(1500), 2000)).toHaveLength(3000);
    expect(() => assertMessageForCount('😀'.repeat(2001), 2000)).toThrow(/longer than 2000/);
  });
});
