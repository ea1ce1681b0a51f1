/**
 * A batch inside the documented limits is written, however large: 1000 notifications with
 * 15 KiB of data each, all to one recipient (one partition), is about 16 MB, far over the
 * broker's 1 MiB record-batch limit, so the producer must split it into requests that fit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_BATCH_MAX } from '../../src/notifications/send.js';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { graphqlData, wsClient, wsSubscribe } from '../support/graphql.js';
import { startTestSystem, waitUntilReady, type TestSystem } from '../support/system.js';

describe('the largest batch the API accepts', () => {
  let system: TestSystem;
  beforeAll(async () => {
    // What is checked is that it is split and written whole, not how fast: 16 MB acknowledged by a
    // broker sharing two cores with the rest of the suite can take longer than the 5 s default.
    system = await startTestSystem({ env: { LIMIT_BODY_BYTES: String(32 * 1024 * 1024), KAFKA_SEND_TIMEOUT_MS: '60000' } });
    await waitUntilReady(system);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('is sent whole, and stored whole', async () => {
    const data = { blob: 'x'.repeat(15 * 1024) };
    const inputs = Array.from({ length: SEND_BATCH_MAX }, (_, index) => ({
      senderId: '1',
      recipientId: '4',
      kind: 'comment',
      message: `comment ${index}`,
      data,
    }));
    const { sendNotifications } = await graphqlData<{ sendNotifications: { error: { code: string } | null }[] }>(
      system.url,
      'mutation($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { error { code } } }',
      { inputs },
    );
    expect(sendNotifications.filter((result) => result.error !== null)).toEqual([]);

    // Every one reaches the inbox, in order: the consumer stores what the producer split.
    const client = wsClient(system.wsUrl);
    const feed = wsSubscribe<{ notificationAdded: { message: string } }>(
      client,
      `subscription { notificationAdded(userId: "4", after: "${encodeCursor(0)}") { message } }`,
    );
    const received: string[] = [];
    while (received.length < SEND_BATCH_MAX) received.push((await feed.next()).data!.notificationAdded.message);
    await feed.close();
    await client.dispose();
    expect(received).toEqual(inputs.map((input) => input.message));
  }, 90_000);
});
