/** What the Kafka adapter reports as it works (metrics); `system.ts` says where it goes. */
import type { DeadLetterReason } from '../notifications/ingest.js';

export interface KafkaTelemetry {
  /** One produce request to the notifications topic, acknowledged or failed (connecting included). */
  produced(seconds: number, ok: boolean): void;
  /** A send answered later than its deadline plus the tolerance (`SEND_DEADLINE_TOLERANCE_MS`). */
  sendOverran(): void;
  /** A batch settled: messages read, and rows new to the store; told before any of it is pushed. */
  consumed(messages: number, stored: number): void;
  /** Letters the dead-letter topic acknowledged. */
  deadLettered(reason: DeadLetterReason, count: number): void;
  /** One offset commit that succeeded. */
  committed(seconds: number): void;
}

export const NO_KAFKA_TELEMETRY: KafkaTelemetry = { produced: () => {}, sendOverran: () => {}, consumed: () => {}, deadLettered: () => {}, committed: () => {} };

export const secondsSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
