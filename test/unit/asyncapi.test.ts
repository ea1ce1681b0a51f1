/**
 * The committed asyncapi.json is the topics' public contract: it must say what the codec decodes
 * and the dead-letter headers the consumer writes. Regenerated here from the codec's zod schema;
 * when they disagree, `npm run asyncapi:print` rewrites the file (and the diff shows what changed).
 * And it must be an AsyncAPI 3.0 document that tools read: checked against the specification's own
 * JSON Schema (@asyncapi/specs).
 */
import { readFileSync } from 'node:fs';
import specs from '@asyncapi/specs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS } from '../../src/kafka/dead-letter-headers.js';
import { asyncApiFile, printedAsyncApi } from '../../src/ops/asyncapi-print.js';

describe('asyncapi.json', () => {
  it('is what the codec and the dead-letter headers generate (run `npm run asyncapi:print` when not)', () => {
    expect(readFileSync(asyncApiFile, 'utf8')).toBe(printedAsyncApi());
  });

  it('is a valid AsyncAPI 3.0.0 document', () => {
    const document = JSON.parse(printedAsyncApi()) as { asyncapi: string };
    expect(document.asyncapi).toBe('3.0.0');
    // The specification's schema carries its own copy of the draft-07 meta-schema (same $id as ajv's).
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, meta: false, validateSchema: false });
    const validate = ajv.compile(specs.schemas['3.0.0']);
    expect(validate(document), JSON.stringify(validate.errors)).toBe(true);
    // And the check can fail: AsyncAPI 3 knows send and receive, not 2.x's publish.
    expect(validate({ ...document, operations: { wrong: { action: 'publish', channel: { $ref: '#/channels/notifications' } } } })).toBe(false);
  });

  it('names every dead-letter header the consumer writes', () => {
    const document = JSON.parse(printedAsyncApi()) as { channels: { deadLetters: { messages: { deadLetter: { headers: { required: string[] } } } } } };
    expect(document.channels.deadLetters.messages.deadLetter.headers.required.toSorted()).toEqual(Object.values(DEAD_LETTER_HEADERS).toSorted());
  });
});
