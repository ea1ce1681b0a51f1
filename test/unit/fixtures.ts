/** Plain values and tiny fakes shared by the unit tests of `src/notifications/`. */
import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';
import { type ErrorCode, NotifyError } from '../../src/notifications/errors.js';
import type { NewNotification, Notification } from '../../src/notifications/notification.js';

export const CREATED_AT = new Date('2024-05-06T07:08:09.123Z');

let counter = 0;
/** A distinct, well-formed notification id per call (lowercase UUID shape). */
export function nextId(): string {
  counter += 1;
  return `00000000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
}

export function newNotification(overrides: Partial<NewNotification> = {}): NewNotification {
  return {
    id: nextId(),
    senderId: 'alice',
    recipientId: 'bob',
    kind: 'like',
    message: 'alice liked your post',
    link: '/posts/42',
    data: { postId: 42 },
    createdAt: CREATED_AT,
    ...overrides,
  };
}

export function stored(seq: number, overrides: Partial<Notification> = {}): Notification {
  return { ...newNotification(), seq, readAt: null, archivedAt: null, seenAt: null, snoozedUntil: null, actions: [], pressedAction: null, ...overrides };
}

/** Runs `fn`, expecting it to throw a NotifyError with `code` (and `field` when given); returns it. */
export function expectNotifyError(fn: () => unknown, code: ErrorCode, field?: string): NotifyError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(NotifyError);
  const error = caught as NotifyError;
  expect(error.code).toBe(code);
  if (field !== undefined) expect(error.details).toEqual({ field });
  return error;
}

/** The lines parseConfig reports for `env`; none when it is accepted. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}
