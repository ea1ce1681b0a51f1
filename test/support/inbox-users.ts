/**
 * Users of one client test each: made through upsertUser, with a token, a way to send to them
 * (as an admin service) and a wait until the store holds what was sent, so the client tests
 * (hooks, createInbox) each start from an inbox no other test touches.
 */
import { expect } from 'vitest';
import { userToken } from './auth.js';
import { graphqlData } from './graphql.js';

export function inboxUsers(url: () => string, prefix: string, wait: { timeout: number }) {
  let made = 0;
  return async function newUser() {
    made += 1;
    const id = `${prefix}-${made}`;
    await graphqlData(url(), 'mutation ($id: ID!) { upsertUser(id: $id, name: "Ada") { id } }', { id });
    const token = await userToken(id);
    const send = async (...messages: string[]) => {
      const inputs = messages.map((message) => ({ senderId: '1', recipientId: id, kind: 'mention', message }));
      await graphqlData(url(), 'mutation ($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { index } }', { inputs });
    };
    /** Until the store holds `count` of its notifications: sent ones are consumed asynchronously. */
    const stored = async (count: number) => {
      await expect
        .poll(async () => (await graphqlData<{ notifications: { totalCount: number } }>(url(), '{ notifications(first: 1) { totalCount } }', {}, { token })).notifications.totalCount, wait)
        .toBe(count);
    };
    return { id, token, send, stored };
  };
}
