/**
 * Turn a domain value into plain JSON (Dates become ISO strings, undefined fields disappear)
 * without a stringify/parse round trip: structuredContent must be JSON, and the output schemas
 * describe dates as ISO 8601 strings.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = toJsonValue(v);
  return out;
}
