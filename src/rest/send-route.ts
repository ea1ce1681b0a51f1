/**
 * `POST /v1/notifications`: a back end's send over plain JSON, one notification or a batch,
 * through the very steps of the GraphQL mutations (schema/send.ts): the caller's allowance
 * (spendSendAllowance), its authority (sendAuthority), then the domain's sender, which validates,
 * checks the users, writes to Kafka and reports to the metrics. Only the shape of the body is
 * checked here (schemas.ts). It answers after the broker's acknowledgement: 201 with the
 * notification for one (something was created); 200 with a result per item for a batch, whose
 * items may each succeed or fail.
 */
import type { Logger } from '../logger.js';
import { describeError, NotifyError } from '../notifications/errors.js';
import { assertBatchSize, type SendInput, type SendResult } from '../notifications/send.js';
import type { JsonValue, NewNotification } from '../notifications/notification.js';
import { sendAuthority, spendSendAllowance } from '../schema/acting-for.js';
import type { Services } from '../schema/context.js';
import { respond } from './response.js';
import { badInput, IDEMPOTENCY_KEY_HEADER, isReply, readJsonRequest, refusal, shapeProblem, type Reply } from './json-request.js';
import type { CallerCheck } from './request.js';
import { kindOf, NotificationBatch, NotificationInput, type BatchResultBody, type NotificationInputBody, type SentNotificationBody } from './schemas.js';

export interface SendRouteDeps extends CallerCheck {
  services: Pick<Services, 'sender' | 'sendRate'>;
}

const json = (status: number, body: SentNotificationBody | BatchResultBody): Response =>
  respond(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8' } });

const toSendInput = (input: NotificationInputBody, idempotencyKey = input.idempotencyKey): SendInput => ({
  senderId: input.senderId ?? null,
  recipientId: input.recipientId,
  kind: kindOf(input.kind),
  message: input.message,
  link: input.link ?? null,
  // From JSON.parse, so JSON by construction; the sender checks its depth and size.
  data: (input.data ?? null) as JsonValue | null,
  idempotencyKey: idempotencyKey ?? null,
  workspaceId: input.workspaceId ?? null,
  actions: input.actions ?? null,
  groupKey: input.groupKey ?? null,
});

const sent = (notification: NewNotification): SentNotificationBody => ({
  id: notification.id,
  recipientId: notification.recipientId,
  createdAt: notification.createdAt.toISOString(),
});

const itemResult = (result: SendResult, index: number): BatchResultBody['results'][number] =>
  result.ok
    ? { index, notification: sent(result.notification) }
    : { index, error: describeError(result.error) };

export function createSendRoute({ services, ...callerCheck }: SendRouteDeps) {
  return async function send(request: Request, log: Logger): Promise<Reply> {
    const read = await readJsonRequest(request, callerCheck, log, 'send');
    if (isReply(read)) return read;
    const { caller, body } = read;
    const ctx = { caller, sendRate: services.sendRate };
    const headerKey = request.headers.get(IDEMPOTENCY_KEY_HEADER);
    try {
      if (typeof body === 'object' && body !== null && 'notifications' in body) {
        const batch = NotificationBatch.safeParse(body);
        if (!batch.success) return shapeProblem(batch.error);
        if (headerKey !== null) return badInput('a batch carries an idempotencyKey per item, not an Idempotency-Key header', 'Idempotency-Key');
        const inputs = batch.data.notifications;
        // Before spending the allowance: an oversized call costs nothing.
        assertBatchSize(inputs.length);
        await spendSendAllowance(ctx, inputs.length);
        const results = await services.sender.sendMany(inputs.map((input) => toSendInput(input)), sendAuthority(caller));
        return { response: json(200, { results: results.map(itemResult) }), code: 'OK' };
      }
      const single = NotificationInput.safeParse(body);
      if (!single.success) return shapeProblem(single.error);
      const bodyKey = single.data.idempotencyKey ?? null;
      if (headerKey !== null && bodyKey !== null && headerKey !== bodyKey) {
        return badInput('the Idempotency-Key header and the idempotencyKey field differ: send one of them', 'Idempotency-Key');
      }
      await spendSendAllowance(ctx, 1);
      const notification = await services.sender.sendOne(toSendInput(single.data, headerKey ?? bodyKey), sendAuthority(caller));
      return { response: json(201, sent(notification)), code: 'OK' };
    } catch (error) {
      if (error instanceof NotifyError) return refusal(error);
      throw error;
    }
  };
}
