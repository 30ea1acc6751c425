import { readPath, type ConditionContext } from './workflow-conditions.ts';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The `{{ path }}` placeholders of a template, in order. */
export function templatePaths(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** Fill `{{ contact.firstName }}`-style placeholders; a missing value renders as an empty string. */
export function renderTemplate(template: string, ctx: ConditionContext): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const v = readPath(ctx, path);
    if (v === undefined || v === null) return '';
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** Render every string inside a JSON value (webhook bodies). */
export function renderDeep(value: unknown, ctx: ConditionContext): unknown {
  if (typeof value === 'string') return renderTemplate(value, ctx);
  if (Array.isArray(value)) return value.map((v) => renderDeep(v, ctx));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderDeep(v, ctx)]));
  return value;
}
