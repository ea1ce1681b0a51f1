/** Whether an operation asked for a field directly under the current one (through fragments too). */
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

export function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return selection.name.value === name;
        case Kind.INLINE_FRAGMENT:
          return visit(selection.selectionSet);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = info.fragments[selection.name.value];
          // An unknown fragment cannot happen after validation; count rather than guess wrong.
          return fragment ? visit(fragment.selectionSet) : true;
        }
        default:
          return true;
      }
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}
