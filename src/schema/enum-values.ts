/**
 * GraphQL enum values in upper case over the domain's lower-case ones (`mention` is MENTION), with
 * a description where a value needs one: the one way every enum of the schema is declared.
 */
export function upperCaseValues<T extends string>(values: readonly T[], descriptions: Partial<Record<T, string>> = {}) {
  return Object.fromEntries(values.map((value) => [value.toUpperCase(), { value, description: descriptions[value] }])) as Record<
    Uppercase<T>,
    { value: T; description?: string }
  >;
}
