/** Opaque cursors over the per-recipient sequence number, so clients never depend on its form. */
import { badInput } from './errors.js';

const PREFIX = 'n:';

export function encodeCursor(seq: number): string {
  return Buffer.from(`${PREFIX}${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string, field: string): number {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const digits = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  const seq = /^(0|[1-9][0-9]{0,15})$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw badInput(`${field} is not a valid cursor`, field);
  return seq;
}
