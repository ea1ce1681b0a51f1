/** What the live figures (latency, fan-out) share: their operations and a readiness probe. */
export const SEND_ONE = /* GraphQL */ `
  mutation Send($input: SendNotificationInput!) { sendNotification(input: $input) { id } }
`;

/** The selection of the README's tour: a client's typical feed. */
export const ADDED = /* GraphQL */ `
  subscription Added($userId: ID!) {
    notificationAdded(userId: $userId) { id seq cursor kind message createdAt sender { name } }
  }
`;

export interface AddedData {
  notificationAdded: { id: string; message: string };
}

export const PROBE_TIMEOUT_MS = 3_000;

/**
 * A subscription (or a consumer group) is live only once the far side has set it up, which no
 * acknowledgement tells: send probes until one gets through. `attempt(n)` sends probe n and
 * fails when it does not arrive in time.
 */
export async function probeUntilLive(what: string, attempt: (n: number) => Promise<unknown>, attempts = 10): Promise<void> {
  let last: unknown;
  for (let n = 0; n < attempts; n += 1) {
    try {
      await attempt(n);
      return;
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`${what} received none of ${attempts} probes: ${last instanceof Error ? last.message : String(last)}`);
}
