import type { ContentBlock, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ToolAccess } from './access.ts';
import type { ToolContext } from './tool-context.ts';

/** Name + input/output schemas: what a model sees. Lives in `contracts/`. */
export interface ToolContract<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  input: I;
  output: O;
}

/** Every hint spelled out, so no client falls back to the spec's pessimistic defaults. */
export interface CrmToolAnnotations extends ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  title: string;
  description: string;
  annotations: Omit<CrmToolAnnotations, 'title'>;
  /** Roles that see it in tools/list (the grant its service checks first, `access.ts`); absent: every role. */
  access?: ToolAccess;
  /**
   * A write filed for approval: would this call be allowed? The owning service's check (the record
   * exists, the actor may change it), without doing anything. Absent: only the role (`access`) and
   * the arguments are checked before filing.
   */
  precheck?(args: z.output<I>, ctx: ToolContext): Promise<void>;
  /** Calls one core service. Returns the output before JSON conversion (Dates are fine). */
  handler(args: z.output<I>, ctx: ToolContext): Promise<unknown>;
  /** One line a human or model can read at a glance; the full JSON follows it. */
  summarize(output: z.output<O>): string;
  /**
   * Content after the summary text: resource links or embedded resources (e.g. a report's HTML).
   * `raw` is what the handler returned, including fields the output contract leaves out.
   */
  content?(output: z.output<O>, raw: unknown): ContentBlock[];
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> extends ToolSpec<I, O> {
  contract: ToolContract<I, O>;
}

/** Erased form for registries holding tools of different schemas. */
export type AnyToolDefinition = ToolDefinition<z.ZodObject, z.ZodObject>;

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(contract: ToolContract<I, O>, spec: ToolSpec<I, O>): AnyToolDefinition {
  return { contract, ...spec } as unknown as AnyToolDefinition;
}

export const READ_ONLY: Omit<CrmToolAnnotations, 'title'> = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
