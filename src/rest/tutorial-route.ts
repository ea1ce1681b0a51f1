/**
 * `POST /send`, the Go + Kafka tutorial's route, so a service written against it moves here by
 * changing its URL and adding a token: the same form fields (`fromID`, `toID`, `message`) and the
 * same answers (200 {"message":"Notification sent successfully!"}, 400 with the reason, 404
 * {"message":"User not found"}, 500 when Kafka or the store fails), through the same steps as
 * every other send. The tutorial's notifications go from one user to another with free text and
 * no kind: they are sent as MENTION, the kind for "someone addressed you". Service tokens only
 * (it names any sender), which also keeps cross-site forms out: a browser form cannot set
 * Authorization.
 */
import type { Logger } from '../logger.js';
import { NotifyError, retryAfterSecondsOf } from '../notifications/errors.js';
import { sendAuthority, spendSendAllowance } from '../schema/acting-for.js';
import { callerOf, mediaTypeOf } from './request.js';
import { respond } from './response.js';
import { TutorialSendForm, type TutorialAnswerBody } from './schemas.js';
import type { Reply } from './json-request.js';
import type { SendRouteDeps } from './send-route.js';

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

export function tutorialAnswer(status: number, message: string, headers: Record<string, string> = {}): Response {
  const body: TutorialAnswerBody = { message };
  return respond(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** The tutorial answered 500 for any failure past validation; a client written for it retries on that. */
function answerOf(error: NotifyError): Reply {
  const code = error.code;
  switch (code) {
    case 'BAD_USER_INPUT':
      return { response: tutorialAnswer(400, error.message), code };
    case 'USER_NOT_FOUND':
      return { response: tutorialAnswer(404, 'User not found'), code };
    case 'UNAUTHENTICATED':
      return { response: tutorialAnswer(401, error.message, { 'www-authenticate': 'Bearer' }), code };
    case 'FORBIDDEN':
      return { response: tutorialAnswer(403, error.message), code };
    case 'RATE_LIMITED':
      return { response: tutorialAnswer(429, error.message, { 'retry-after': String(retryAfterSecondsOf(error)) }), code };
    default:
      return { response: tutorialAnswer(500, error.message), code };
  }
}

export function createTutorialRoute({ services, ...callerCheck }: SendRouteDeps) {
  return async function tutorialSend(request: Request, log: Logger): Promise<Reply> {
    if (request.method !== 'POST') return { response: tutorialAnswer(405, 'send with POST', { allow: 'POST' }), code: 'METHOD_NOT_ALLOWED' };
    if (!FORM_TYPES.has(mediaTypeOf(request))) {
      return { response: tutorialAnswer(415, 'send the form as application/x-www-form-urlencoded'), code: 'UNSUPPORTED_MEDIA_TYPE' };
    }
    const caller = await callerOf(request, callerCheck, log);
    if (caller instanceof NotifyError) return answerOf(caller);
    if (caller.kind !== 'service') {
      return answerOf(new NotifyError('FORBIDDEN', 'POST /send names any sender: it takes a service token (notifications:send); a user sends with POST /v1/notifications'));
    }
    let fields: Record<string, unknown>;
    try {
      fields = Object.fromEntries(await request.formData());
    } catch {
      return answerOf(new NotifyError('BAD_USER_INPUT', 'the body is not a form'));
    }
    const form = TutorialSendForm.safeParse(fields);
    if (!form.success) {
      const field = form.error.issues[0]?.path.map(String).join('.') ?? '';
      return answerOf(new NotifyError('BAD_USER_INPUT', `${field === '' ? 'the form' : field} is missing or not text`, field === '' ? {} : { field }));
    }
    try {
      await spendSendAllowance({ caller, sendRate: services.sendRate }, 1);
      const { fromID, toID, message } = form.data;
      await services.sender.sendOne({ senderId: fromID, recipientId: toID, kind: 'mention', message }, sendAuthority(caller));
      return { response: tutorialAnswer(200, 'Notification sent successfully!'), code: 'OK' };
    } catch (error) {
      if (error instanceof NotifyError) return answerOf(error);
      throw error;
    }
  };
}
