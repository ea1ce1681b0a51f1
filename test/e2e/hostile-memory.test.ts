/**
 * What a client without a token can make the server keep: 100 distinct 1 MB documents, well-formed
 * or not, are refused before they are parsed and leave no memory behind (measured in this process,
 * which holds the server).
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { aftermath, type Harness, startHarness, stopHarness, table } from '../support/hostile-system.js';
import { codesOf, heldBytes, postGraphQL } from '../support/hostile.js';

let prod: Harness;

beforeAll(async () => {
  prod = await startHarness('prod');
}, 120_000);

afterAll(() => stopHarness(prod, 'hostile-memory'));

describe('memory', () => {
  const PAD = 'x'.repeat(1000 * 1000);
  const documents: { name: string; query: (i: number) => string; code: string }[] = [
    { name: 'well-formed', query: (i) => `{ __typename } #${i}${PAD}`, code: 'UNAUTHENTICATED' },
    // The token is checked before parsing: without one, a document is never even parsed.
    { name: 'unparsable', query: (i) => `{ __typename #${i}${PAD}`, code: 'UNAUTHENTICATED' },
  ];
  table(
    '100 distinct 1 MB documents without a token leave nothing behind',
    documents,
    (c) => c.name,
    async ({ query, code }) => {
      const before = heldBytes();
      for (let i = 0; i < 100; i += 1) {
        const answer = await postGraphQL(prod.url, { query: `${query(i)}` }, { token: null });
        expect(codesOf(answer.body), answer.text.slice(0, 200)).toEqual([code]);
      }
      const grown = heldBytes() - before;
      expect(grown, `the server kept ${Math.round(grown / 2 ** 20)} MiB after 100 MB of refused documents`).toBeLessThan(32 * 1024 * 1024);
    },
    { timeout: 20_000 },
  );

  aftermath(() => prod);
});
