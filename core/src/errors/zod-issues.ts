import type { z } from 'zod';
import { AppError, type FieldIssue } from './app-error.ts';

/** Turn zod issues into field issues with dotted paths a human (or a model) can act on. */
export function zodIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return { path, reason: issue.message };
  });
}

/** Parse with a schema or throw VALIDATION_FAILED naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw AppError.validation(zodIssues(result.error, prefix));
  return result.data;
}
