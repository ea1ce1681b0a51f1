/**
 * The caller an HTTP request's bearer token names, as every HTTP entrance asks it (GraphQL and
 * SSE in app/context.ts, the HTTP API in rest/): the same verifier, so all admit exactly the same
 * callers, and the same handling of a refusal, which is the client's mistake that anyone can
 * repeat at will: counted, and a debug line at most.
 */
import type { Logger } from '../logger.js';
import { NotifyError } from '../notifications/errors.js';
import type { Caller } from './caller.js';
import type { TokenVerifier } from './verify-token.js';

export interface CallerCheck {
  verifier: TokenVerifier;
  /** Requests refused at the token check, for metrics. */
  refused: { inc(labels: { transport: 'http'; reason: string }): void };
}

/** The caller, or the NotifyError (UNAUTHENTICATED) saying why the token is not accepted. `log` carries the request id. */
export async function callerOfRequest(request: Request, { verifier, refused }: CallerCheck, log: Logger): Promise<Caller | NotifyError> {
  try {
    return await verifier.verifyAuthorization(request.headers.get('authorization'));
  } catch (error) {
    if (!(error instanceof NotifyError)) throw error;
    refused.inc({ transport: 'http', reason: error.code });
    log.debug({ code: error.code, reason: error.message }, 'request refused at the token check');
    return error;
  }
}
