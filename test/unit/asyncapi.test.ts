/**
 * The committed asyncapi.json is the topics' public contract: it must say what the codec decodes
 * and the dead-letter headers the consumer writes. Regenerated here from the codec's zod schema;
 * when they disagree, `npm run asyncapi:print` rewrites the file (and the diff shows what changed).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../src/kafka/dead-letter-headers.js';
import { asyncApiFile, printedAsyncApi } from '../../src/ops/asyncapi-print.js';

describe('asyncapi.json', () => {
  it('is what the codec and the dead-letter headers generate (run `npm run asyncapi:print` when not)', () => {
    expect(readFileSync(asyncApiFile, 'utf8')).toBe(printedAsyncApi());
  });

  it('names every dead-letter header the consumer writes', () => {
    const document = JSON.parse(printedAsyncApi()) as { channels: { deadLetters: { messages: { deadLetter: { headers: { required: string[] } } } } } };
    expect(document.channels.deadLetters.messages.deadLetter.headers.required.toSorted()).toEqual(Object.values(DEAD_LETTER_HEADERS).toSorted());
  });
});
