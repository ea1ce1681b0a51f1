/**
 * Bounds on what one operation may ask for, checked before anything runs: tokens at parse time
 * (graphql-js's own counter, so a huge document is never fully built), then depth, aliases,
 * directives and cost (graphql-armor), and root fields (ours: armor has no such rule). Each
 * refusal is a GraphQL error with code QUERY_TOO_COMPLEX naming the limit. Introspection, when
 * off, is refused here too.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, NoSchemaIntrospectionCustomRule, parse, type SelectionSetNode, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { withCode } from './errors.js';

export interface QueryLimits {
  depth: number;
  aliases: number;
  rootFields: number;
  directives: number;
  tokens: number;
  cost: number;
}

export const QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX';

const tooComplex = (message: string) => new GraphQLError(message, { extensions: { code: QUERY_TOO_COMPLEX } });

// Armor throws code-less errors by default; report ours, with a code, on the validation context.
const reportWithCode = {
  propagateOnRejection: false,
  onReject: [
    (context: ValidationContext | null, error: GraphQLError) => context?.reportError(tooComplex(error.message.replace(/^Syntax Error: /, ''))),
  ],
};

/** Root fields an operation selects, through fragments; aliases multiply per-call caps otherwise. */
export function maxRootFieldsRule(max: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const seen = new Set<string>();
      const count = (set: SelectionSetNode): number =>
        set.selections.reduce((total, selection) => {
          if (selection.kind === Kind.FIELD) return total + 1;
          if (selection.kind === Kind.INLINE_FRAGMENT) return total + count(selection.selectionSet);
          const name = selection.name.value;
          const fragment = context.getFragment(name);
          if (!fragment || seen.has(name)) return total;
          seen.add(name);
          return total + count(fragment.selectionSet);
        }, 0);
      const fields = count(operation.selectionSet);
      if (fields > max) {
        context.reportError(tooComplex(`an operation may select at most ${max} root fields, this one selects ${fields}`));
      }
    },
  });
}

export function useQueryLimits(limits: QueryLimits, { fieldSuggestions, introspection }: { fieldSuggestions: boolean; introspection: boolean }): Plugin {
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        EnvelopArmorPlugin({
          maxTokens: { enabled: false },
          maxDepth: { n: limits.depth, ...reportWithCode },
          maxAliases: { n: limits.aliases, ...reportWithCode },
          maxDirectives: { n: limits.directives, ...reportWithCode },
          costLimit: { maxCost: limits.cost, ...reportWithCode },
          blockFieldSuggestion: { enabled: !fieldSuggestions },
        }),
      );
    },
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.tokens });
        } catch (error) {
          // Nesting deep enough to exhaust graphql-js's recursive parser within the token limit.
          if (error instanceof RangeError) throw tooComplex('the operation nests too deeply');
          if (!(error instanceof GraphQLError)) throw error;
          // graphql-js 16 words it "more that N tokens".
          if (/more tha[nt] \d+ tokens/.test(error.message)) throw tooComplex(`an operation may hold at most ${limits.tokens} tokens`);
          throw withCode(error, 'GRAPHQL_PARSE_FAILED');
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(maxRootFieldsRule(limits.rootFields));
      // A validation rule, so it holds for every transport (Yoga's plugin only sees HTTP requests).
      if (!introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
