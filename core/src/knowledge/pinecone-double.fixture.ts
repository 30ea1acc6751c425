import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for a Pinecone index's data plane, following its documented REST wire format
 * (JSON, `Api-Key` header): POST /vectors/upsert {vectors:[{id, values, metadata}], namespace} →
 * {upsertedCount}; POST /query {namespace, vector, topK, filter, includeValues, includeMetadata} →
 * {matches:[{id, score, values, metadata?}], namespace, usage:{readUnits}}; POST /vectors/delete
 * {ids | deleteAll | filter, namespace} → {}. Scores are cosine similarity (a cosine index).
 * Metadata filters support $eq, $ne, $in, $gt(e), $lt(e) and $and.
 */
export interface PineconeDouble {
  url: string;
  namespaces: Map<string, Map<string, { values: number[]; metadata: Record<string, unknown> }>>;
  requests: { path: string; apiKey: string | undefined; apiVersion: string | undefined; body: Record<string, unknown> }[];
  /** Make the next n requests fail with this status (retry/error handling tests). */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

type Filter = Record<string, unknown>;

function matches(metadata: Record<string, unknown>, filter: Filter | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return (cond as Filter[]).every((f) => matches(metadata, f));
    if (key === '$or') return (cond as Filter[]).some((f) => matches(metadata, f));
    const value = metadata[key];
    const ops = typeof cond === 'object' && cond !== null && !Array.isArray(cond) ? (cond as Record<string, unknown>) : { $eq: cond };
    return Object.entries(ops).every(([op, arg]) => {
      switch (op) {
        case '$eq': return value === arg;
        case '$ne': return value !== arg;
        case '$in': return (arg as unknown[]).includes(value);
        case '$nin': return !(arg as unknown[]).includes(value);
        case '$gt': return (value as number) > (arg as number);
        case '$gte': return (value as number) >= (arg as number);
        case '$lt': return (value as number) < (arg as number);
        case '$lte': return (value as number) <= (arg as number);
        default: throw new Error(`unsupported filter operator ${op}`);
      }
    });
  });
}

function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export async function startPineconeDouble(options: { apiKey?: string; dimension?: number } = {}): Promise<PineconeDouble> {
  const namespaces: PineconeDouble['namespaces'] = new Map();
  const requests: PineconeDouble['requests'] = [];
  let failures = { n: 0, status: 503 };
  const ns = (name: unknown) => {
    const key = typeof name === 'string' ? name : '';
    if (!namespaces.has(key)) namespaces.set(key, new Map());
    return namespaces.get(key)!;
  };

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const apiKey = req.headers['api-key'] as string | undefined;
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      requests.push({ path: req.url ?? '', apiKey, apiVersion: req.headers['x-pinecone-api-version'] as string | undefined, body });
      if (failures.n > 0) {
        failures.n--;
        return send(failures.status, { code: 14, message: 'unavailable', details: [] });
      }
      if (options.apiKey && apiKey !== options.apiKey) return send(401, { code: 16, message: 'Invalid API Key', details: [] });
      if (req.method !== 'POST') return send(405, { code: 12, message: 'method not allowed', details: [] });
      try {
        if (req.url === '/vectors/upsert') {
          const vectors = body.vectors as { id: string; values: number[]; metadata?: Record<string, unknown> }[];
          for (const v of vectors) {
            if (options.dimension && v.values.length !== options.dimension) {
              return send(400, { code: 3, message: `Vector dimension ${v.values.length} does not match the dimension of the index ${options.dimension}`, details: [] });
            }
            ns(body.namespace).set(v.id, { values: v.values, metadata: v.metadata ?? {} });
          }
          return send(200, { upsertedCount: vectors.length });
        }
        if (req.url === '/query') {
          const space = ns(body.namespace);
          const q = body.vector as number[];
          const hits = [...space.entries()]
            .filter(([, v]) => matches(v.metadata, body.filter as Filter | undefined))
            .map(([id, v]) => ({ id, score: cosine(q, v.values), values: body.includeValues ? v.values : [], ...(body.includeMetadata ? { metadata: v.metadata } : {}) }))
            .sort((a, b) => b.score - a.score)
            .slice(0, Number(body.topK));
          return send(200, { results: [], matches: hits, namespace: body.namespace ?? '', usage: { readUnits: 5 } });
        }
        if (req.url === '/vectors/delete') {
          const space = ns(body.namespace);
          if (body.deleteAll) space.clear();
          else if (body.ids) for (const id of body.ids as string[]) space.delete(id);
          else if (body.filter) for (const [id, v] of space) if (matches(v.metadata, body.filter as Filter)) space.delete(id);
          return send(200, {});
        }
        return send(404, { code: 5, message: `Not found: ${req.url}`, details: [] });
      } catch (err) {
        return send(400, { code: 3, message: (err as Error).message, details: [] });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    namespaces,
    requests,
    failNext(n, status = 503) {
      failures = { n, status };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
