/**
 * Where a tool result's facts come from, as citable URIs. Read from the structured content the
 * MCP tools return, never from their free text (which may carry anything a user once typed).
 */
export function provenanceOf(data: unknown): string[] {
  const uris = new Set<string>();
  walk(data, uris, 0);
  return [...uris];
}

function walk(value: unknown, uris: Set<string>, depth: number): void {
  if (depth > 6 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) walk(item, uris, depth + 1);
    return;
  }
  const record = value as Record<string, unknown>;
  const uri = uriOf(record);
  if (uri) uris.add(uri);
  for (const child of Object.values(record)) if (typeof child === 'object') walk(child, uris, depth + 1);
}

function uriOf(r: Record<string, unknown>): string | undefined {
  if (typeof r.uri === 'string' && r.uri.startsWith('crm://')) return r.uri;
  const id = typeof r.id === 'string' ? r.id : undefined;
  if (id && 'firstName' in r && 'lastName' in r) return `crm://contacts/${id}`;
  if (id && 'direction' in r && 'type' in r) return `crm://interactions/${id}`;
  if (typeof r.contact_id === 'string') return `crm://contacts/${r.contact_id}`;
  if (id && 'dueAt' in r && typeof r.contactId === 'string') return `crm://contacts/${r.contactId}`;
  return undefined;
}
