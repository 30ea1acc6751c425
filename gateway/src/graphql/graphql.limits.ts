import { AppError } from '@crm/core';
import { Kind, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, type ValueNode } from 'graphql';

export const MAX_QUERY_DEPTH = 10;
export const MAX_QUERY_COST = 5_000;

/** List fields, the argument that sizes them and its default: they multiply the cost of what they select. */
const LIST_FIELDS: Record<string, { arg: string; size: number }> = {
  contacts: { arg: 'first', size: 20 },
  interactions: { arg: 'first', size: 20 },
  workflows: { arg: 'first', size: 20 },
  workflowExecutions: { arg: 'limit', size: 50 },
  recentActivity: { arg: '', size: 5 },
};

function sizeOf(field: FieldNode, variables: Record<string, unknown>): number {
  const list = LIST_FIELDS[field.name.value];
  if (!list) return 1;
  const arg = field.arguments?.find((a) => a.name.value === list.arg);
  const n = arg ? literal(arg.value, variables) : undefined;
  return typeof n === 'number' && n > 0 ? n : list.size;
}

function literal(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.INT) return Number(node.value);
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  return undefined;
}

/**
 * Cost of a selection: every field costs 1, times the page sizes (first/limit) of the fields
 * above it, so `contacts(first: 100) { interactions(first: 100) { … } }` costs 10,000+ and is
 * refused before any resolver runs. Fragments are expanded; a fragment cycle is GraphQL's own
 * validation error, so the walk stops at depth 50.
 */
export function selectionCost(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown>, depth = 0): number {
  if (depth > 50) return Infinity;
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      cost += 1 + (sel.selectionSet ? sizeOf(sel, variables) * selectionCost(sel.selectionSet, fragments, variables, depth + 1) : 0);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      cost += selectionCost(sel.selectionSet, fragments, variables, depth + 1);
    } else {
      const frag = fragments[sel.name.value];
      if (frag) cost += selectionCost(frag.selectionSet, fragments, variables, depth + 1);
    }
  }
  return cost;
}

/**
 * Refuses an operation whose cost exceeds `max` before anything executes. Run per request (not
 * as a cached validation rule) because page sizes may come from variables.
 */
export function assertQueryCost(document: DocumentNode, variables: Record<string, unknown> | undefined, max = MAX_QUERY_COST): void {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const cost = selectionCost(def.selectionSet, fragments, variables ?? {});
    if (cost > max) {
      const shown = Number.isFinite(cost) ? String(cost) : 'unbounded';
      throw AppError.validation(
        [{ path: 'query', reason: `cost ${shown} exceeds ${max}` }],
        `Query is too expensive: cost ${shown} exceeds ${max} (each field costs 1, times the first/limit of the lists above it); ask for smaller pages or fewer nested lists`,
      );
    }
  }
}

/** Nesting depth of a selection (fields only; introspection subtrees are not counted). */
export function selectionDepth(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen: ReadonlySet<string> = new Set()): number {
  let depth = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      if (sel.name.value.startsWith('__')) continue;
      depth = Math.max(depth, 1 + (sel.selectionSet ? selectionDepth(sel.selectionSet, fragments, seen) : 0));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      depth = Math.max(depth, selectionDepth(sel.selectionSet, fragments, seen));
    } else if (!seen.has(sel.name.value)) {
      const frag = fragments[sel.name.value];
      if (frag) depth = Math.max(depth, selectionDepth(frag.selectionSet, fragments, new Set([...seen, sel.name.value])));
    }
  }
  return depth;
}

/** Refuses operations nested deeper than `max` fields (introspection is exempt: tools need it). */
export function assertQueryDepth(document: DocumentNode, max = MAX_QUERY_DEPTH): void {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const depth = selectionDepth(def.selectionSet, fragments);
    if (depth > max) {
      throw AppError.validation([{ path: 'query', reason: `depth ${depth} exceeds ${max}` }], `Query is too deep: ${depth} levels of fields exceed the limit of ${max}`);
    }
  }
}
