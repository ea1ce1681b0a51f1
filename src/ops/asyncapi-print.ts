/**
 * `npm run asyncapi:print` writes asyncapi.json, the topics' public contract, for the default
 * topic names (a deployment's own names are in the document it serves at /v1/asyncapi.json).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../config.js';
import { asyncApiJson } from '../kafka/asyncapi.js';

/** The document for the defaults, whatever this shell's environment says. */
export const printedAsyncApi = (): string => {
  const { topic, dlqTopic, groupId, broadcastTopic, broadcastGroupId, activityTopic } = parseConfig({}).kafka;
  return asyncApiJson({ topic, dlqTopic, groupId, broadcastTopic, broadcastGroupId, activityTopic });
};
export const asyncApiFile = fileURLToPath(new URL('../../asyncapi.json', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(asyncApiFile, printedAsyncApi());
  console.log(`wrote ${asyncApiFile}`);
}
