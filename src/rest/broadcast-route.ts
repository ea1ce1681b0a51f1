/**
 * `POST /v1/broadcasts`: one notification to every subscriber of a topic, through the steps of
 * the GraphQL sendBroadcast mutation (allowance, authority, the domain's broadcaster). Answers 201
 * once Kafka acknowledged the broadcast event; the expansion follows.
 */
import type { Logger } from '../logger.js';
import { NotifyError } from '../notifications/errors.js';
import type { JsonValue } from '../notifications/notification.js';
import { sendAuthority, spendSendAllowance } from '../schema/acting-for.js';
import type { Services } from '../schema/context.js';
import { respond } from './response.js';
import type { CallerCheck } from './request.js';
import { BroadcastInput, kindOf, type SentBroadcastBody } from './schemas.js';
import { badInput, IDEMPOTENCY_KEY_HEADER, isReply, readJsonRequest, refusal, shapeProblem, type Reply } from './json-request.js';

export interface BroadcastRouteDeps extends CallerCheck {
  services: Pick<Services, 'broadcaster' | 'sendRate'>;
}

export function createBroadcastRoute({ services, ...callerCheck }: BroadcastRouteDeps) {
  return async function broadcast(request: Request, log: Logger): Promise<Reply> {
    const read = await readJsonRequest(request, callerCheck, log, 'broadcast');
    if (isReply(read)) return read;
    const { caller, body } = read;
    const parsed = BroadcastInput.safeParse(body);
    if (!parsed.success) return shapeProblem(parsed.error);
    const input = parsed.data;
    const headerKey = request.headers.get(IDEMPOTENCY_KEY_HEADER);
    const bodyKey = input.idempotencyKey ?? null;
    if (headerKey !== null && bodyKey !== null && headerKey !== bodyKey) {
      return badInput('the Idempotency-Key header and the idempotencyKey field differ: send one of them', 'Idempotency-Key');
    }
    try {
      await spendSendAllowance({ caller, sendRate: services.sendRate }, 1);
      const sent = await services.broadcaster.broadcast(
        {
          topic: input.topic,
          senderId: input.senderId ?? null,
          kind: kindOf(input.kind),
          message: input.message,
          link: input.link ?? null,
          data: (input.data ?? null) as JsonValue | null,
          idempotencyKey: headerKey ?? bodyKey,
        },
        sendAuthority(caller),
      );
      const answer: SentBroadcastBody = { id: sent.id, topic: sent.topic, createdAt: sent.createdAt.toISOString() };
      return { response: respond(JSON.stringify(answer), { status: 201, headers: { 'content-type': 'application/json; charset=utf-8' } }), code: 'OK' };
    } catch (error) {
      if (error instanceof NotifyError) return refusal(error);
      throw error;
    }
  };
}
