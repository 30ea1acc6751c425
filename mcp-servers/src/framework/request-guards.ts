import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { otherSpelling } from './install-tools.ts';

type Handler = (request: unknown, extra: unknown) => Promise<unknown>;
type Request = { method?: string; params?: Record<string, unknown> };
interface Issue {
  path: string;
  reason: string;
}

const invalid = (method: string, issues: Issue[]) =>
  new McpError(ErrorCode.InvalidParams, `Invalid params for ${method} — ${issues.map((i) => `${i.path}: ${i.reason}`).join('; ')}`, { issues });

/**
 * Why one page is the whole answer: every list here is short by construction. tools/list and
 * prompts/list are the code's own tools and prompts; resources/list is a menu, not an index — the
 * due follow-ups, the 20 most recently updated contacts, the first 50 knowledge documents, up to
 * 100 workflows, the 20 newest scoring-model versions, the training-data summary and one entry per
 * report type (under 200 entries); everything else is read through the templates and found with
 * the search tools. The SDK ignores a cursor, which would answer page 1 again to a client that
 * thinks it asked for page 2: a cursor is refused, since we never send a nextCursor.
 */
const ONE_PAGE_LISTS = ['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'];

/** The reason a resource URI cannot be read, or undefined when it parses (the SDK's `new URL`). */
function uriProblem(uri: string): string | undefined {
  if (!uri.trim()) return 'must not be empty; give a URI from resources/list or a template of resources/templates/list (e.g. crm://contacts/{id})';
  try {
    new URL(uri);
    return undefined;
  } catch {
    return `"${uri.length > 80 ? `${uri.slice(0, 80)}…` : uri}" is not an absolute URI (scheme://path); give a URI from resources/list or a template of resources/templates/list (e.g. crm://contacts/{id})`;
  }
}

type PromptArgument = { name: string; required?: boolean };

/**
 * Checks of request params the SDK does before (or instead of) our handlers, with answers that
 * name the field: a resource URI that does not parse (the SDK's `new URL` would throw -32603
 * "Invalid URL"), a cursor on a list we answer in one page, and prompt arguments the prompt does
 * not have (the SDK strips them, then names only the required argument it did not get).
 * Call after every handler is installed.
 */
export function guardRequestParams(server: McpServer): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const wrap = (method: string, check: (params: Record<string, unknown>) => Promise<Issue[]> | Issue[]) => {
    const handler = handlers.get(method);
    if (!handler) return;
    handlers.set(method, async (request, extra) => {
      const params = (request as Request).params;
      if (params && typeof params === 'object') {
        const issues = await check(params);
        if (issues.length) throw invalid(method, issues);
      }
      return handler(request, extra);
    });
  };

  for (const method of ONE_PAGE_LISTS) {
    wrap(method, (params) =>
      params.cursor === undefined
        ? []
        : [{ path: 'cursor', reason: 'this server answers the whole list in one page and never sends a nextCursor; omit the cursor' }],
    );
  }

  wrap('resources/read', (params) => {
    const problem = typeof params.uri === 'string' ? uriProblem(params.uri) : undefined;
    return problem ? [{ path: 'uri', reason: problem }] : [];
  });

  // A URI no resource or template matches: the SDK's "Resource crm://contacts/ not found" names none of the ones there are.
  const read = handlers.get('resources/read');
  const listTemplates = handlers.get('resources/templates/list');
  if (read && listTemplates) {
    handlers.set('resources/read', async (request, extra) => {
      try {
        return await read(request, extra);
      } catch (err) {
        const uri = (request as Request).params?.uri;
        if (!(err instanceof McpError) || err.code !== ErrorCode.InvalidParams || typeof uri !== 'string' || !err.message.endsWith(`Resource ${uri} not found`)) throw err;
        const { resourceTemplates } = (await listTemplates({ method: 'resources/templates/list', params: {} }, extra)) as { resourceTemplates: { uriTemplate: string }[] };
        const templates = resourceTemplates.map((t) => t.uriTemplate).join(', ');
        const shown = uri.length > 80 ? `${uri.slice(0, 80)}…` : uri;
        const issues = [{ path: 'uri', reason: `"${shown}" matches no resource of this server; read one of resources/list or fill a template: ${templates}` }];
        // the same code and data.code as a template's unknown id (mcp-errors.ts RESOURCE_NOT_FOUND)
        throw new McpError(ErrorCode.InvalidParams, `Invalid params for resources/read — ${issues[0].path}: ${issues[0].reason}`, { code: 'NOT_FOUND', uri, issues });
      }
    });
  }

  const listPrompts = handlers.get('prompts/list');
  wrap('prompts/get', async (params) => {
    const given = params.arguments;
    if (!listPrompts || typeof params.name !== 'string' || !given || typeof given !== 'object') return [];
    const { prompts } = (await listPrompts({ method: 'prompts/list', params: {} }, {})) as { prompts: { name: string; arguments?: PromptArgument[] }[] };
    const declared = prompts.find((p) => p.name === params.name)?.arguments;
    if (!declared) return [];
    const names = declared.map((a) => a.name);
    // the other spelling of a declared argument (`contact_id` for `contactId`) is that argument, as
    // for tools (install-tools.ts aliasArgumentNames); it was refused with "did you mean" (QA round 6)
    const args = given as Record<string, unknown>;
    for (const key of Object.keys(args)) {
      const other = otherSpelling(key);
      if (!names.includes(key) && other !== key && names.includes(other) && !(other in args)) {
        args[other] = args[key];
        delete args[key];
      }
    }
    const unknown = Object.keys(given).filter((k) => !names.includes(k));
    if (!unknown.length) return [];
    const accepted = names.length ? `its arguments are ${names.join(', ')}` : 'it takes no arguments';
    const issues: Issue[] = unknown.map((key) => {
      const near = names.find((n) => n.toLowerCase() === key.toLowerCase() || closeEnough(n, key));
      return { path: `arguments.${key}`, reason: `is not an argument of prompt ${params.name}${near ? ` (did you mean ${near}?)` : ''}; ${accepted}` };
    });
    for (const a of declared) {
      if (a.required && (given as Record<string, unknown>)[a.name] === undefined) issues.push({ path: `arguments.${a.name}`, reason: 'is required' });
    }
    return issues;
  });
}

/** Edit distance ≤ 2 (a typo), for "did you mean". */
function closeEnough(a: string, b: string): boolean {
  a = a.toLowerCase();
  b = b.toLowerCase();
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] <= 2;
}
