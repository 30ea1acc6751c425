/**
 * Knowledge-base benchmark, in the database through public @crm/core APIs:
 *  1. retrieval quality — recall@5 and MRR@10 of full-text, vector and hybrid search on the
 *     labelled demo KB questions (core/demo-kb/questions.json);
 *  2. ingestion throughput (chunks/s: parse, chunk, embed, full-text + HNSW index);
 *  3. retrieval latency p50/p95 when the table holds 10k and 100k chunks spread over many tenants,
 *     for the small demo tenant (~0.2% of the table) and one large tenant, comparing the exact
 *     per-tenant scan, the shared HNSW index with iterative scans, and a per-tenant partial HNSW index.
 *
 *   npx tsx evals/src/knowledge/bench-retrieval.ts [--sizes 10000,100000] [--server postgresql://…] [--server-only]
 *
 * PGlite (embedded, pgvector) always; `--server` adds full-text-only numbers on a PostgreSQL
 * server without pgvector. Prints JSON lines and a Markdown summary.
 */
import { parseArgs } from 'node:util';
import {
  createCrmCore,
  createPgVectorStore,
  DEMO_KB_DIR,
  firstRelevantRank,
  loadRetrievalQuestions,
  meanReciprocalRank,
  readKnowledgeFiles,
  recallAtK,
  silentLogger,
  type CrmCore,
  type PgVectorStrategy,
  type RetrievalQuestion,
} from '@crm/core';
import { createTenantFixture, openTestDatabase, type TenantFixture, type TestDbKind, databaseOf } from '@crm/core/testing';
import { syntheticDocuments } from './synthetic-kb.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' }, server: { type: 'string' }, 'per-tenant': { type: 'string', default: '2000' }, 'server-only': { type: 'boolean', default: false } } });
const SIZES = values.sizes!.split(',').map(Number);
const PER_TENANT = Number(values['per-tenant']);
const MODES = ['fulltext', 'vector', 'hybrid'] as const;
const lines: string[] = [];
const emit = (o: Record<string, unknown>) => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
};

async function quality(core: CrmCore, f: TenantFixture, questions: RetrievalQuestion[], kind: TestDbKind) {
  for (const mode of MODES) {
    const ranks: (number | null)[] = [];
    let status = '';
    for (const q of questions) {
      const res = await core.knowledge.search(f.rep, { query: q.question, k: 10, mode });
      status = res.vectorSearch;
      ranks.push(firstRelevantRank(res.results.map((r) => ({ doc: r.source ?? '', text: r.passage })), q.answers));
    }
    const row = { bench: 'quality', db: kind, mode, recallAt5: +recallAtK(ranks, 5).toFixed(3), mrr: +meanReciprocalRank(ranks).toFixed(3), vectorSearch: status };
    emit(row);
    lines.push(`| quality | ${kind} | ${mode} | recall@5 ${row.recallAt5} | MRR ${row.mrr} | vector search: ${status} |`);
  }
}

async function latency(core: CrmCore, actor: TenantFixture['rep'], questions: RetrievalQuestion[], label: string, extra: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const mode of MODES) {
    const samples: number[] = [];
    for (const q of [...questions, ...questions]) {
      const s = performance.now();
      await core.knowledge.search(actor, { query: q.question, k: 5, mode });
      samples.push(performance.now() - s);
    }
    out[mode] = { p50: pct(samples, 50), p95: pct(samples, 95) };
  }
  emit({ bench: 'latency', label, ...extra, ...out });
  const m = out as Record<string, { p50: number; p95: number }>;
  lines.push(`| latency | ${label} | ${MODES.map((x) => `${x} p50 ${m[x].p50} / p95 ${m[x].p95} ms`).join(' | ')} |`);
}

/** Vector queries straight on the store: exact scan vs HNSW iterative scan (vs partial index), and HNSW recall against exact. */
async function strategies(core: CrmCore, tenantId: string, questions: RetrievalQuestion[], label: string) {
  const store = createPgVectorStore(databaseOf(core.db));
  const [{ model }] = await databaseOf(core.db).withTenant(tenantId, (em) => em.execute<{ model: string }[]>('SELECT model FROM kb_index_state'));
  const rows = await databaseOf(core.db).withTenant(tenantId, (em) => em.execute<{ e: string }[]>('SELECT embedding::text AS e FROM kb_vectors ORDER BY chunk_id LIMIT ?', [questions.length]));
  const queries = rows.map((r) => JSON.parse(r.e) as number[]);
  const exactIds: string[][] = [];
  const result: Record<string, unknown> = {};
  for (const strategy of ['exact', 'hnsw'] as PgVectorStrategy[]) {
    const samples: number[] = [];
    let overlap = 0;
    let short = 0;
    for (const [i, q] of queries.entries()) {
      const s = performance.now();
      const hits = await store.query(tenantId, model, q, { k: 10, strategy });
      samples.push(performance.now() - s);
      if (hits.length < 10) short++;
      if (strategy === 'exact') exactIds.push(hits.map((h) => h.id));
      else overlap += hits.filter((h) => exactIds[i].includes(h.id)).length / Math.max(1, exactIds[i].length);
    }
    result[strategy] = { p50: pct(samples, 50), p95: pct(samples, 95), fewerThanK: short, ...(strategy === 'hnsw' ? { recallVsExact: +(overlap / queries.length).toFixed(3) } : {}) };
  }
  emit({ bench: 'vector-strategy', label, ...result });
  const r = result as Record<string, { p50: number; p95: number; fewerThanK: number; recallVsExact?: number }>;
  lines.push(
    `| vector k=10 | ${label} | exact p50 ${r.exact.p50} / p95 ${r.exact.p95} ms | HNSW iterative p50 ${r.hnsw.p50} / p95 ${r.hnsw.p95} ms, recall vs exact ${r.hnsw.recallVsExact}, short results ${r.hnsw.fewerThanK} |`,
  );
}

async function ownerQuery(core: CrmCore, sql: string): Promise<void> {
  const owner = await databaseOf(core.db).connect();
  try {
    await owner.query("SET maintenance_work_mem = '256MB'");
    await owner.query(sql);
  } finally {
    owner.release();
  }
}

async function run(kind: TestDbKind) {
  if (kind === 'postgres') process.env.TEST_DATABASE_URL = values.server;
  const t = await openTestDatabase(kind);
  const core = createCrmCore({ db: t.db, logger: silentLogger(), knowledge: { indexInteractions: false } });
  try {
    const questions = await loadRetrievalQuestions(`${DEMO_KB_DIR}questions.json`);
    const demo = await createTenantFixture(core, 'demokb');
    const files = await readKnowledgeFiles(DEMO_KB_DIR);
    let s = performance.now();
    const added = await core.knowledge.addDocuments(demo.admin, files);
    const demoChunks = added.reduce((n, r) => n + (r.chunks ?? 0), 0);
    const ms = performance.now() - s;
    emit({ bench: 'ingest', db: kind, what: 'demo KB', documents: files.length, chunks: demoChunks, ms: Math.round(ms), chunksPerSec: Math.round(demoChunks / (ms / 1000)) });
    lines.push(`| ingest | ${kind} | demo KB: ${files.length} documents, ${demoChunks} chunks | ${Math.round(demoChunks / (ms / 1000))} chunks/s |`);
    await quality(core, demo, questions, kind);

    let total = demoChunks;
    let large: TenantFixture | undefined;
    let tenantNo = 0;
    for (const size of SIZES) {
      // The first synthetic tenant is ingested with the HNSW index in place (the everyday path);
      // the bulk of the table is loaded with the index dropped and rebuilt afterwards, as a restore
      // would, because incremental HNSW inserts in PGlite's WebAssembly pgvector cost ~10 ms each.
      const bulk = kind === 'pglite' && total < size && large !== undefined;
      if (bulk) await ownerQuery(core, 'DROP INDEX IF EXISTS kb_vectors_hnsw_idx');
      while (total < size) {
        s = performance.now();
        const f = await createTenantFixture(core, `syn${tenantNo}`);
        const docs = syntheticDocuments(tenantNo++, Math.min(PER_TENANT, size - total));
        const res = await core.knowledge.addDocuments(f.admin, docs);
        const n = res.reduce((a, r) => a + (r.chunks ?? 0), 0);
        total += n;
        if (!large) {
          large = f;
          const secs = (performance.now() - s) / 1000;
          emit({ bench: 'ingest', db: kind, what: 'synthetic tenant, index in place', chunks: n, seconds: +secs.toFixed(1), chunksPerSec: Math.round(n / secs) });
          lines.push(`| ingest | ${kind} | one tenant, ${docs.length} documents, ${n} chunks, indexes in place | ${Math.round(n / secs)} chunks/s |`);
        }
      }
      if (bulk) {
        s = performance.now();
        await ownerQuery(core, 'CREATE INDEX kb_vectors_hnsw_idx ON kb_vectors USING hnsw (embedding vector_cosine_ops)');
        const secs = (performance.now() - s) / 1000;
        emit({ bench: 'hnsw-build', db: kind, tableChunks: total, seconds: +secs.toFixed(1) });
        lines.push(`| HNSW bulk build | ${kind} | ${total} vectors | ${secs.toFixed(1)} s |`);
      }
      const share = ((demoChunks / total) * 100).toFixed(2);
      await latency(core, demo.rep, questions, `${kind}, ${total} chunks, demo tenant = ${share}%`, { db: kind, tableChunks: total, tenantChunks: demoChunks });
      if (kind === 'pglite') {
        await strategies(core, demo.tenantId, questions, `${total} chunks, small tenant (${demoChunks} chunks, ${share}%)`);
        if (large) await strategies(core, large.tenantId, questions, `${total} chunks, large tenant (${PER_TENANT} chunks)`);
        await ownerQuery(core, `CREATE INDEX kb_bench_partial ON kb_vectors USING hnsw (embedding vector_cosine_ops) WHERE tenant_id = '${demo.tenantId}'`);
        await strategies(core, demo.tenantId, questions, `${total} chunks, small tenant with a per-tenant partial HNSW index`);
        await ownerQuery(core, 'DROP INDEX kb_bench_partial');
      }
    }
  } finally {
    await core.outbox.stop();
    await t.drop();
  }
}

if (!values['server-only']) await run('pglite');
if (values.server) await run('postgres');
process.stdout.write(`\n${lines.join('\n')}\n`);
