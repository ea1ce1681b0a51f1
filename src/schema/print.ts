/** `npm run schema:print` writes schema.graphql, the public contract, from the Pothos schema. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './index.js';

export const printedSchema = () => `${printSchema(lexicographicSortSchema(schema))}\n`;
export const schemaFile = fileURLToPath(new URL('../../schema.graphql', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(schemaFile, printedSchema());
  console.log(`wrote ${schemaFile}`);
}
