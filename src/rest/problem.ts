/**
 * Errors of the HTTP API as RFC 9457 problem details, carrying the same `code` as the GraphQL
 * errors' extensions.code, with the HTTP status each code implies (the README's Errors table).
 * Only our own coded errors say what went wrong; anything else is "Unexpected error.", logged by
 * the route with its request id, never sent.
 */
import { STATUS_CODES } from 'node:http';
import { describeError, type ErrorCode, NotifyError, retryAfterSecondsOf } from '../notifications/errors.js';
import { respond } from './response.js';
import type { ProblemBody } from './schemas.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The status of each domain code: every code has one, so a new code cannot go out as a 200 or a guess. */
const STATUS_OF: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  USER_NOT_FOUND: 404,
  NOTIFICATION_NOT_FOUND: 404,
  ACTION_ALREADY_PRESSED: 409,
  RATE_LIMITED: 429,
  TOO_MANY_SUBSCRIPTIONS: 429,
  TOO_MANY_CONNECTIONS: 429,
  KAFKA_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
};

/** Codes of the HTTP layer itself, spelt as Yoga's and our HTTP server's answers spell them. */
export type HttpErrorCode = 'UNSUPPORTED_MEDIA_TYPE' | 'METHOD_NOT_ALLOWED' | 'PAYLOAD_TOO_LARGE' | 'LENGTH_REQUIRED' | 'INTERNAL_SERVER_ERROR';

const HTTP_STATUS_OF: Record<HttpErrorCode, number> = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  LENGTH_REQUIRED: 411,
  INTERNAL_SERVER_ERROR: 500,
};

/** Long enough for any message of ours; a client's 1 MB field name is not sent back whole. */
const DETAIL_MAX_LENGTH = 300;
const shorten = (text: string) => (text.length > DETAIL_MAX_LENGTH ? `${text.slice(0, DETAIL_MAX_LENGTH)}…` : text);

export const statusOf = (code: ErrorCode | HttpErrorCode): number =>
  code in STATUS_OF ? STATUS_OF[code as ErrorCode] : HTTP_STATUS_OF[code as HttpErrorCode];

export function problemBody(code: ErrorCode | HttpErrorCode, detail: string, extra: { field?: string; retryAfterSeconds?: number } = {}): ProblemBody {
  const status = statusOf(code);
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail: shorten(detail), code, ...extra };
}

/** The headers a refusal needs besides its body: how to authenticate, when to come back. */
export function problemHeaders(body: ProblemBody, allow?: string): Record<string, string> {
  return {
    'content-type': PROBLEM_CONTENT_TYPE,
    ...(body.status === 401 && { 'www-authenticate': 'Bearer' }),
    ...(body.retryAfterSeconds !== undefined && { 'retry-after': String(body.retryAfterSeconds) }),
    ...(allow !== undefined && { allow }),
  };
}

export function problem(code: ErrorCode | HttpErrorCode, detail: string, extra: { field?: string; retryAfterSeconds?: number; allow?: string } = {}): Response {
  const { allow, ...members } = extra;
  const body = problemBody(code, detail, members);
  return respond(JSON.stringify(body), { status: body.status, headers: problemHeaders(body, allow) });
}

/** The facts of a domain error a client may see: the field at fault, when to retry. */
export function detailsOf(error: NotifyError): { field?: string; retryAfterSeconds?: number } {
  const { field } = describeError(error);
  return {
    ...(field !== null && { field }),
    ...(error.code === 'RATE_LIMITED' && { retryAfterSeconds: retryAfterSecondsOf(error) }),
  };
}

export const problemOf = (error: NotifyError): Response => problem(error.code, error.message, detailsOf(error));
