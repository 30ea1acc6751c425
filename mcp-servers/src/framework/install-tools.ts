import type { FieldIssue, Logger } from '@crm/core';
import { AppError, objectShapeAt, SERVER_OWNED_FIELDS, zodIssues } from '@crm/core/contracts';
import type { z } from 'zod';
import type { Actor } from '@crm/core';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toJsonValue } from './json.ts';
import { leanToolEntry, type ListedTool } from './lean-schema.ts';
import type { AnyToolDefinition } from './tool.ts';
import type { Extra, ToolContext } from './tool-context.ts';
import { errorResult, successResult, toToolError } from './tool-result.ts';

/** The value at `path` in the arguments a client sent. */
function valueAt(args: unknown, path: PropertyKey[]): unknown {
  let v = args;
  for (const key of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

const normalise = (v: string) => v.trim().toUpperCase().replace(/[\s-]+/g, '_');

/** "MEETING" for "meeting", "IN_PERSON" for "in person", "PHONE_CALL" for "CALL" (when only one option fits). */
function nearestOption(value: unknown, options: readonly unknown[]): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return undefined;
  const strings = options.filter((o): o is string => typeof o === 'string');
  const exact = strings.find((o) => normalise(o) === normalise(value));
  if (exact) return exact;
  const containing = strings.filter((o) => normalise(o).includes(normalise(value)) || normalise(value).includes(normalise(o)));
  return containing.length === 1 ? containing[0] : undefined;
}

/** A reason that says how to fix the value, where zod's own says only what was wrong. */
function fixHint(issue: z.core.$ZodIssue, schema: unknown, args: unknown): string | undefined {
  const value = valueAt(args, issue.path);
  if (issue.code === 'invalid_type' && issue.expected === 'object' && value !== undefined) {
    const shape = objectShapeAt(schema, issue.path);
    if (!shape) return undefined;
    const fields = Object.entries(shape).map(([k, f]) => `${k}${(f as z.ZodType).safeParse(undefined).success ? '?' : ''}`);
    return `must be an object {${fields.join(', ')}}, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`;
  }
  if (issue.code === 'invalid_value') {
    const near = nearestOption(value, issue.values);
    return near ? `${issue.message} (did you mean "${near}"?)` : undefined;
  }
  if (issue.code === 'invalid_format' && issue.format === 'uuid' && typeof value === 'string' && value.includes('@')) {
    return `${issue.message}; that is an email address: get the contact's id with search_contacts {"search": ${JSON.stringify(value)}}`;
  }
  return undefined;
}

/**
 * zod issues as field issues; an unknown field is named by its own path rather than the object's,
 * with the fields that object accepts (a model that guessed `query` learns it is `search`). A
 * server-owned field given to a create/update tool is refused with REST's reason (`leadScore` is
 * computed by scoring). A value of the wrong kind says what would fit (fixHint).
 */
function argumentIssues(error: z.ZodError, schema: unknown, args: unknown, tool: string): FieldIssue[] {
  const writes = /^(create|update)_/.test(tool);
  const mapped = zodIssues(error);
  return error.issues.flatMap((issue, i) => {
    if (issue.code !== 'unrecognized_keys') {
      const hint = fixHint(issue, schema, args);
      return [hint ? { ...mapped[i], reason: hint } : mapped[i]];
    }
    const parent = issue.path.map(String).join('.');
    const accepted = Object.keys(objectShapeAt(schema, issue.path) ?? {});
    const hint = accepted.length ? ` (accepted: ${accepted.join(', ')})` : '';
    return issue.keys.map((key) => ({
      path: parent ? `${parent}.${key}` : key,
      reason: (writes && !parent && SERVER_OWNED_FIELDS[key]) || `is not a field of this tool; remove it${hint}`,
    }));
  });
}

const toCamel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const toSnake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
/** `contact_id` ↔ `contactId`: the spelling of an argument name in the other case style. */
export const otherSpelling = (k: string) => (k.includes('_') ? toCamel(k) : toSnake(k));

/**
 * Argument names in the other case style than the tool's (`contact_id` for `contactId`, or
 * `leadScoreMin` as `lead_score_min`) are read as the tool's own: the tools follow the design
 * document, which names some arguments in snake_case (score_lead, analytics) and the records in
 * camelCase, and a client or model that guesses the other style should not have to retry. A name
 * is only renamed when the tool has no field of that name and has the other spelling, and the
 * arguments do not give both; free-form maps (customFields, metadata) are left alone.
 */
export function aliasArgumentNames(args: unknown, schema: unknown, path: PropertyKey[] = []): unknown {
  if (!args || typeof args !== 'object' || Array.isArray(args) || path.length > 4) return args;
  const shape = objectShapeAt(schema, path);
  if (!shape) return args;
  const given = args as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(given)) {
    let name = key;
    if (!(key in shape)) {
      const other = otherSpelling(key);
      if (other !== key && other in shape && !(other in given)) name = other;
    }
    const inner = value && typeof value === 'object' && !Array.isArray(value) ? aliasArgumentNames(value, schema, [...path, name]) : value;
    if (name !== key || inner !== value) out ??= { ...given };
    if (out) {
      if (name !== key) delete out[key];
      out[name] = inner;
    }
  }
  return out ?? args;
}

export type ContextFactory = (extra: Extra) => ToolContext;

type ListResult = { tools: ListedTool[] };

/** The SDK's entries, lean (lean-schema.ts: the combined server's ~250 KB for an ADMIN to ~140 KB). */
const lean = (result: ListResult): ListResult => ({ ...result, tools: result.tools.map(leanToolEntry) });

/** tools/list entries (JSON Schemas included) by tool definition, shared by every server of the process. */
const listEntries = new WeakMap<AnyToolDefinition, ListedTool>();

/** Per server: the names of the tools a given actor does not see (see `hiddenTools`). */
const hiddenBy = new WeakMap<McpServer, (actor: Actor) => string[]>();

/** The tools of `server` that tools/list hides from `actor` (stdio compares before and after the user is known). */
export function hiddenTools(server: McpServer, actor: Actor): string[] {
  return hiddenBy.get(server)?.(actor) ?? [];
}

/** The gateway's request id (it sets X-Request-Id on every HTTP request it hands to MCP). */
function requestIdOf(extra: Extra): string | undefined {
  const id = extra.requestInfo?.headers?.['x-request-id'];
  return typeof id === 'string' ? id : undefined;
}

/** The role check and argument validation of a call, as `runTool` does them first: the arguments the handler would get. */
function admit(tool: AnyToolDefinition, rawArgs: unknown, context: ToolContext): Record<string, unknown> {
  const name = tool.contract.name;
  if (tool.access && !tool.access.allows(context.actor)) {
    throw AppError.denied(tool.access.permission, `${context.actor.role} ${tool.access.lacking}, which ${name} needs`);
  }
  const args = aliasArgumentNames(rawArgs ?? {}, tool.contract.input);
  const parsed = tool.contract.input.safeParse(args);
  if (!parsed.success) throw AppError.validation(argumentIssues(parsed.error, tool.contract.input, args, name));
  return parsed.data;
}

/**
 * Would this call be allowed? The same role check and argument validation as `runTool`, then the
 * tool's own `precheck` (the record exists, the actor may change it); nothing runs. Throws the
 * AppError the call would have answered with.
 */
export async function checkToolCall(tool: AnyToolDefinition, rawArgs: unknown, context: ToolContext): Promise<void> {
  const args = admit(tool, rawArgs, context);
  await tool.precheck?.(args, context);
}

/**
 * Run one tool call: validate the arguments against the contract (field-level VALIDATION_FAILED
 * as an isError result, which the 2025-11-25 spec asks for so models can self-correct), call the
 * handler, convert to JSON and check the result against the output contract.
 */
export async function runTool(tool: AnyToolDefinition, rawArgs: unknown, ctx: () => ToolContext, logger: Logger, traceId?: string): Promise<CallToolResult> {
  const name = tool.contract.name;
  let signal: AbortSignal | undefined;
  try {
    const context = ctx(); // who asks comes before what they asked
    signal = context.signal;
    const raw = await tool.handler(admit(tool, rawArgs, context), context);
    const output = tool.contract.output.safeParse(toJsonValue(raw));
    if (!output.success) {
      // A contract drift is our bug, not the caller's: log it loudly, answer INTERNAL.
      logger.error({ tool: name, issues: zodIssues(output.error) }, 'tool output does not match its contract');
      throw new AppError('INTERNAL', `Output of ${name} does not match its contract`);
    }
    const result = successResult(output.data as Record<string, unknown>, tool.summarize(output.data));
    if (tool.content) result.content.push(...tool.content(output.data, raw));
    return result;
  } catch (err) {
    if (err instanceof McpError) throw err;
    if (signal?.aborted) {
      // the client cancelled or went away (or the process is stopping): nobody reads this answer,
      // and a failure caused by the abort itself is not a server error worth an error log
      logger.info({ tool: name, reason: String((signal.reason as Error | undefined)?.message ?? signal.reason) }, 'tool call cancelled');
      return errorResult({ code: 'INTERNAL', message: `${name} was cancelled before it finished` }); // the SDK sends no answer to a cancelled request
    }
    return errorResult(toToolError(err, logger, name, traceId));
  }
}

/**
 * Register the tools with the SDK's McpServer (listing, enable/disable, list_changed all stay the
 * SDK's) and take over `tools/call`, so that an unknown tool is a JSON-RPC error (protocol misuse)
 * while bad arguments and domain errors are isError results carrying code, message and details.
 */
export function installTools(server: McpServer, tools: readonly AnyToolDefinition[], context: ContextFactory, logger: Logger): void {
  const byName = new Map<string, AnyToolDefinition>();
  const registered = new Map<string, ReturnType<McpServer['registerTool']>>();
  for (const tool of tools) {
    const name = tool.contract.name;
    if (byName.has(name)) throw new Error(`Tool ${name} is registered twice`);
    byName.set(name, tool);
    registered.set(
      name,
      server.registerTool(
        name,
        {
          title: tool.title,
          description: tool.description,
          inputSchema: tool.contract.input,
          outputSchema: tool.contract.output,
          annotations: { title: tool.title, ...tool.annotations },
        },
        (args: unknown, extra: Extra) => runTool(tool, args, () => context(extra), logger, requestIdOf(extra)),
      ),
    );
  }
  const hidden = (actor: Actor) => tools.filter((t) => t.access && !t.access.allows(actor)).map((t) => t.contract.name);
  hiddenBy.set(server, hidden);
  // tools/list shows each user the tools their role may call; before the user is known (stdio while
  // the database opens) it shows all of them, and stdio sends tools/list_changed once it knows
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, (request: unknown, extra: Extra) => Promise<unknown>> })._requestHandlers;
  const list = handlers.get('tools/list');
  if (list) {
    // The SDK converts every tool's zod schemas to JSON Schema on each tools/list (~250 KB for the
    // combined server: ~0.5 s of CPU, seconds under load). A tool's entry depends only on its
    // definition, so it is converted once per process and reused by every session. A server whose
    // registered tools change after registration (update/enable/disable announce list_changed)
    // lists through the SDK from then on and leaves the shared entries alone.
    let own = false;
    const announce = server.sendToolListChanged.bind(server);
    server.sendToolListChanged = () => {
      own = true;
      announce();
    };
    const sdkList = async (request: unknown, extra: Extra) => {
      if (own) return lean((await list(request, extra)) as ListResult);
      const enabled = tools.filter((t) => registered.get(t.contract.name)?.enabled);
      if (enabled.some((t) => !listEntries.has(t))) {
        const fresh = lean((await list(request, extra)) as ListResult);
        for (const entry of fresh.tools) {
          const tool = byName.get(entry.name);
          if (tool) listEntries.set(tool, entry);
        }
        return fresh;
      }
      return { tools: enabled.map((t) => listEntries.get(t)!) };
    };
    handlers.set('tools/list', async (request, extra) => {
      const result = await sdkList(request, extra);
      let actor: Actor;
      try {
        actor = context(extra).actor;
      } catch {
        return result;
      }
      const out = new Set(hidden(actor));
      return out.size ? { ...result, tools: result.tools.filter((t) => !out.has(t.name)) } : result;
    });
  }
  server.server.removeRequestHandler('tools/call');
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = byName.get(request.params.name);
    if (!tool || !registered.get(request.params.name)?.enabled) {
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    }
    return runTool(tool, request.params.arguments, () => context(extra), logger, requestIdOf(extra));
  });
}
