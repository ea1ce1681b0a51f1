/**
 * What every route of the HTTP API asks of a request before it sends anything: the media type it
 * takes, and the caller its bearer token names (the verifier GraphQL uses, so both admit exactly
 * the same callers). A refused token is the client's mistake: counted, and a debug line at most,
 * as on the GraphQL path.
 */
import type { Caller } from '../auth/caller.js';
import type { TokenVerifier } from '../auth/verify-token.js';
import type { Logger } from '../logger.js';
import { NotifyError } from '../notifications/errors.js';

/** The media type of a Content-Type header, without its parameters (charset, boundary). */
export const mediaTypeOf = (request: Request): string => (request.headers.get('content-type') ?? '').split(';', 1)[0]!.trim().toLowerCase();

export interface CallerCheck {
  verifier: TokenVerifier;
  /** Requests refused at the token check, for metrics. */
  refused: { inc(labels: { transport: 'http'; reason: string }): void };
}

/** The caller, or the NotifyError (UNAUTHENTICATED) saying why the token is not accepted. */
export async function callerOf(request: Request, { verifier, refused }: CallerCheck, log: Logger): Promise<Caller | NotifyError> {
  try {
    return await verifier.verifyAuthorization(request.headers.get('authorization'));
  } catch (error) {
    if (!(error instanceof NotifyError)) throw error;
    refused.inc({ transport: 'http', reason: error.code });
    log.debug({ code: error.code, reason: error.message }, 'request refused at the token check');
    return error;
  }
}
