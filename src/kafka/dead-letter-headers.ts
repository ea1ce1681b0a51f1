/**
 * The dead-letter topic's headers: written by the consumer when it sets a message aside, read by
 * the operator's tool (`npm run dlq`). One owner for the names, so the two never drift apart; the
 * same names are the topic's public contract for anyone else reading it.
 */
import type { IHeaders } from 'kafkajs';

export const DEAD_LETTER_HEADERS = {
  error: 'x-error',
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  failedAt: 'x-failed-at',
} as const;

export interface DeadLetterOrigin {
  error: string;
  originalTopic: string;
  originalPartition: number;
  originalOffset: string;
  failedAt: Date;
}

export function deadLetterHeaders(origin: DeadLetterOrigin): Record<string, string> {
  return {
    [DEAD_LETTER_HEADERS.error]: origin.error,
    [DEAD_LETTER_HEADERS.originalTopic]: origin.originalTopic,
    [DEAD_LETTER_HEADERS.originalPartition]: String(origin.originalPartition),
    [DEAD_LETTER_HEADERS.originalOffset]: origin.originalOffset,
    [DEAD_LETTER_HEADERS.failedAt]: origin.failedAt.toISOString(),
  };
}

/** Each header as text ('' when absent): a dead letter written by another tool may lack some. */
export function readDeadLetterHeaders(headers: IHeaders | undefined): Record<keyof typeof DEAD_LETTER_HEADERS, string> {
  const text = (name: string): string => {
    const value = headers?.[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? '' : first.toString();
  };
  return {
    error: text(DEAD_LETTER_HEADERS.error),
    originalTopic: text(DEAD_LETTER_HEADERS.originalTopic),
    originalPartition: text(DEAD_LETTER_HEADERS.originalPartition),
    originalOffset: text(DEAD_LETTER_HEADERS.originalOffset),
    failedAt: text(DEAD_LETTER_HEADERS.failedAt),
  };
}
