import type { StructuredToolInterface } from '@langchain/core/tools';
import { loadMcpTools } from '@langchain/mcp-adapters';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { parseToolError, type ToolError } from '@crm/mcp-servers';
import { provenanceOf } from './provenance.ts';

/** What a call can do to the world; decides whether it may run without a human. */
export type ToolKind = 'read' | 'write' | 'destructive' | 'egress';

export interface ToolInfo {
  name: string;
  description: string;
  kind: ToolKind;
}

export interface ToolCallRequest {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

/** A tool result as the agents see it: data with its provenance, never instructions. */
export interface ToolResult {
  callId: string;
  name: string;
  ok: boolean;
  /** The server's one-line summary (first line of the text content). */
  summary: string;
  data?: Record<string, unknown>;
  error?: ToolError;
  /** crm:// URIs of the records the result's facts come from. */
  sources: string[];
}

export interface Toolset {
  /** LangChain tools for `bindTools` (schemas as the MCP server lists them). */
  tools: StructuredToolInterface[];
  info: ReadonlyMap<string, ToolInfo>;
  call(request: ToolCallRequest): Promise<ToolResult>;
}

/** Outbound or irreversible tools, whatever their annotations say (a bulk import touches many rows). */
const EGRESS = new Set(['send_email', 'send_message', 'post_webhook']);
const DESTRUCTIVE = new Set(['merge_contacts', 'import_contacts', 'delete_contact', 'activate_workflow', 'bulk_update_contacts']);

function kindOf(name: string, annotations: Record<string, unknown> | undefined): ToolKind {
  if (EGRESS.has(name) || annotations?.openWorldHint === true) return 'egress';
  if (DESTRUCTIVE.has(name) || annotations?.destructiveHint === true) return 'destructive';
  if (annotations?.readOnlyHint === true) return 'read';
  return 'write';
}

interface McpArtifact {
  type: string;
  data?: unknown;
}

/**
 * The tools an MCP client offers, loaded with @langchain/mcp-adapters. A server that is down or
 * slow turns into an error result naming it, never an exception that ends the turn.
 */
export async function loadToolset(client: Client, options: { server?: string; timeoutMs?: number } = {}): Promise<Toolset> {
  const server = options.server ?? 'crm';
  const timeoutMs = options.timeoutMs ?? 15_000;
  const tools = await loadMcpTools(server, client, { throwOnLoadError: false, defaultToolTimeout: timeoutMs });
  const info = new Map<string, ToolInfo>();
  const byName = new Map<string, StructuredToolInterface>();
  for (const tool of tools) {
    const annotations = (tool.metadata as { annotations?: Record<string, unknown> } | undefined)?.annotations;
    info.set(tool.name, { name: tool.name, description: tool.description, kind: kindOf(tool.name, annotations) });
    byName.set(tool.name, tool);
  }
  return {
    tools,
    info,
    async call({ id, name, args }) {
      const tool = byName.get(name);
      if (!tool) return failure(id, name, { code: 'NOT_FOUND', message: `No tool named ${name} is available` });
      try {
        const message = (await tool.invoke({ id, name, args, type: 'tool_call' })) as { content: unknown; artifact?: McpArtifact[] };
        const data = message.artifact?.find((a) => a.type === 'mcp_structured_content')?.data as Record<string, unknown> | undefined;
        const text = toolResultText(message.content);
        return { callId: id, name, ok: true, summary: text.split('\n')[0], ...(data ? { data } : {}), sources: provenanceOf(data) };
      } catch (err) {
        return failure(id, name, errorOf(err, name));
      }
    },
  };
}

function failure(callId: string, name: string, error: ToolError): ToolResult {
  return { callId, name, ok: false, summary: `${error.code}: ${error.message}`, error, sources: [] };
}

/** The adapter throws a ToolException carrying the server's error text; read the domain error back out of it. */
function errorOf(err: unknown, name: string): ToolError {
  const message = err instanceof Error ? err.message : String(err);
  const marker = 'returned an error: ';
  const at = message.indexOf(marker);
  if (at >= 0) {
    const parsed = parseToolError({ isError: true, content: [{ type: 'text', text: message.slice(at + marker.length) }] });
    if (parsed) return parsed;
  }
  if (/timed? ?out/i.test(message)) return { code: 'INTERNAL', message: `The ${name} tool did not answer in time` };
  // The adapter reports arguments that fail the tool's schema without the "Error calling tool" prefix.
  if (!message.startsWith('Error calling tool')) return { code: 'VALIDATION_FAILED', message: `Invalid arguments for ${name}: ${message.slice(0, 300)}` };
  return { code: 'INTERNAL', message: `The ${name} tool could not be reached: ${message.slice(0, 200)}` };
}

function toolResultText(content: unknown): string {
  if (typeof content === 'string') {
    // @langchain/mcp-adapters hands a lone text block over serialised, structuredContent included
    // ('{"type":"text","text":"…","structuredContent":{…}}'): read the text back out of it
    if (/^\s*[[{]/.test(content)) {
      try {
        const text = toolResultText(JSON.parse(content) as unknown);
        if (text) return text;
      } catch {
        // plain text that happens to start with a bracket
      }
    }
    return content;
  }
  if (Array.isArray(content)) return content.map((c) => (typeof c === 'string' ? c : ((c as { text?: string }).text ?? ''))).join('\n');
  if (content && typeof content === 'object' && 'text' in content && typeof (content as { text: unknown }).text === 'string') return (content as { text: string }).text;
  return '';
}
