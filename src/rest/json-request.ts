/**
 * What the JSON routes (`/v1/notifications`, `/v1/broadcasts`) share before their own steps, and
 * how they answer a refusal: POST only; `application/json` only (a cross-site form cannot send it
 * without a preflight, and it must carry a bearer token anyway); the caller its token names; a
 * body that parses. Refusals are problem details carrying the error's code.
 */
import type * as z from 'zod';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../logger.js';
import { NotifyError } from '../notifications/errors.js';
import { problem, problemOf } from './problem.js';
import { callerOf, mediaTypeOf, type CallerCheck } from './request.js';

/** A response and the code it stands for (OK, or the error's), for the metrics. */
export interface Reply {
  response: Response;
  code: string;
}

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

export const refusal = (error: NotifyError): Reply => ({ response: problemOf(error), code: error.code });

export const badInput = (message: string, field?: string): Reply => refusal(new NotifyError('BAD_USER_INPUT', message, field === undefined ? {} : { field }));

/** The first problem zod found, named by where it is in the body (`notifications.3.kind`). */
export function shapeProblem(error: z.ZodError): Reply {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  const message = issue?.message ?? 'the body does not fit the schema';
  return field === '' ? badInput(message) : badInput(`${field}: ${message}`, field);
}

/** The caller and the parsed body, or the reply that refuses the request. `verb` names what POST does here. */
export async function readJsonRequest(request: Request, callerCheck: CallerCheck, log: Logger, verb: string): Promise<{ caller: Caller; body: unknown } | Reply> {
  if (request.method !== 'POST') {
    return { response: problem('METHOD_NOT_ALLOWED', `${verb} with POST`, { allow: 'POST' }), code: 'METHOD_NOT_ALLOWED' };
  }
  if (mediaTypeOf(request) !== 'application/json') {
    return { response: problem('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'), code: 'UNSUPPORTED_MEDIA_TYPE' };
  }
  const caller = await callerOf(request, callerCheck, log);
  if (caller instanceof NotifyError) return refusal(caller);
  try {
    return { caller, body: JSON.parse(await request.text()) };
  } catch {
    return badInput('the body is not valid JSON');
  }
}

export const isReply = (value: { caller: Caller; body: unknown } | Reply): value is Reply => 'response' in value;
