/**
 * What a database error means for the caller, the same for `pg` and PGlite (both carry the
 * SQLSTATE in `code`): the store is away for now (retry), it refuses what it was given (never
 * retry), or something else (a bug: let it surface).
 */
import { StoreRefused, storeUnavailable } from '../notifications/errors.js';

// SQLSTATE classes: 08 connection, 53 resources, 57 operator intervention (a restart), 58 system,
// 40 rollback (serialization, deadlock), and the one code of class 55 that means "try again".
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58', '40']);
const UNAVAILABLE_CODES = new Set(['55P03']);
// 22 data exception (bad JSON, bad encoding, out of range), 23 integrity, 54 program limit.
const REFUSED_CLASSES = new Set(['22', '23', '54']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// What pg says, without a code, when a connection ends or cannot be had in time.
const NETWORK_MESSAGES = /Connection terminated|connection error|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed/i;

const codeOf = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

export function storeErrorKind(error: unknown): 'unavailable' | 'refused' | 'other' {
  const code = codeOf(error);
  if (code !== undefined) {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_CODES.has(code) || UNAVAILABLE_CLASSES.has(code.slice(0, 2))) return 'unavailable';
    if (/^[0-9A-Z]{5}$/.test(code) && REFUSED_CLASSES.has(code.slice(0, 2))) return 'refused';
  }
  if (error instanceof Error && NETWORK_MESSAGES.test(error.message)) return 'unavailable';
  return 'other';
}

/** The domain's error for a driver's: STORE_UNAVAILABLE (a NotifyError), StoreRefused, or the error itself. */
export function translateStoreError(error: unknown): unknown {
  switch (storeErrorKind(error)) {
    case 'unavailable':
      return storeUnavailable();
    case 'refused':
      return new StoreRefused(error instanceof Error ? error.message : String(error), codeOf(error) ?? '');
    default:
      return error;
  }
}
