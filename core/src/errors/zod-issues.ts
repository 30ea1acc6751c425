import { z } from 'zod';
import { AppError, type FieldIssue } from './app-error.ts';
import { hasLoneSurrogate } from './safe-input.schema.ts';

// A number field given text (`?page=abc`, `--days abc`, a repeated `?page=1&page=2`) failed with zod's
// "Invalid input: expected number, received NaN": the coercion's NaN, not what the caller sent. One
// wording for every transport (REST, MCP, CLI); a schema's own message still wins.
// A required field left out said "Invalid input: expected string, received undefined"; now "is required".
z.config({
  customError: (issue) => {
    if (issue.code !== 'invalid_type') return undefined;
    if (issue.input === undefined) return 'is required';
    return issue.expected === 'number' && typeof issue.input === 'number' && Number.isNaN(issue.input) ? 'must be a number' : undefined;
  },
});

type Inner = { shape?: Record<string, unknown>; _zod?: { def?: { in?: unknown; innerType?: unknown } } };

/**
 * The fields of the object schema at `path` inside `schema`, through optional/default/pipe wrappers
 * (undefined if there is none): what an unknown-field issue lists as accepted, on MCP and REST.
 */
export function objectShapeAt(schema: unknown, path: readonly PropertyKey[]): Record<string, unknown> | undefined {
  let s = schema as Inner | undefined;
  let rest = path;
  for (let step = 0; s && step < 8; step++) {
    if (s.shape) {
      if (!rest.length) return s.shape;
      s = s.shape[String(rest[0])] as Inner | undefined;
      rest = rest.slice(1);
      step = -1;
      continue;
    }
    s = (s._zod?.def?.in ?? s._zod?.def?.innerType) as Inner | undefined;
  }
  return undefined;
}

/** Turn zod issues into field issues with dotted paths a human (or a model) can act on. */
export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { path, reason: issue.message };
  });
}

/**
 * Paths of strings (values or object keys) holding a NUL character, which PostgreSQL text and jsonb
 * cannot store: caught here with the field's name instead of a protocol error from the database.
 */
export function nulCharacterIssues(value: unknown, prefix = '', limit = 20): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const reason = 'must not contain NUL (\\u0000) characters';
  const walk = (v: unknown, path: string, depth: number): void => {
    if (issues.length >= limit || depth > 32) return;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) issues.push({ path, reason });
      else if (hasLoneSurrogate(v)) issues.push({ path, reason: 'must not contain unpaired UTF-16 surrogates' });
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, path ? `${path}.${i}` : String(i), depth + 1));
    } else if (v && typeof v === 'object' && !(v instanceof Date) && !ArrayBuffer.isView(v)) {
      // binary payloads (a document's bytes) hold no text fields: walking 20 MB of them element by element took minutes
      for (const [k, x] of Object.entries(v)) {
        const p = path ? `${path}.${k}` : k;
        if (k.includes('\u0000')) issues.push({ path: p, reason });
        else if (hasLoneSurrogate(k)) issues.push({ path: p, reason: 'must not contain unpaired UTF-16 surrogates' });
        walk(x, p, depth + 1);
      }
    }
  };
  walk(value, prefix, 0);
  return issues;
}

/** Parse with a schema or throw VALIDATION_FAILED naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.validation(zodIssues(result.error, prefix));
  const nul = nulCharacterIssues(result.data, prefix);
  if (nul.length) throw AppError.validation(nul);
  return result.data;
}
