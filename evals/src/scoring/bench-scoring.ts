// Lead-scoring serving benchmark: npx tsx evals/src/scoring/bench-scoring.ts [--contacts 2000] [--samples 500]
// Seeds the demo tenant into an in-memory PGlite, trains the tenant's model (time-aware hold-out),
// then measures single-score latency (pure scorer, the service with its database read, and the
// lead-scoring MCP server over an in-memory Client), batch rescoring throughput, and AUC.
import {
  createCrmCore,
  explainLead,
  extractLeadFeatures,
  modelLeadScorer,
  openDatabase,
  seedDemoTenant,
  silentLogger,
  type Actor,
  type LeadTimeline,
} from '@crm/core';
import { createServerByName } from '@crm/mcp-servers';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => Number(args[args.indexOf(`--${name}`) + 1] || 0) || fallback;
const contacts = arg('contacts', 2000);
const samples = arg('samples', 500);

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
function percentiles(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { p50: round(at(0.5)), p99: round(at(0.99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}
async function time(n: number, fn: (i: number) => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}

const logger = silentLogger();
const db = await openDatabase({ config: { dataDir: 'memory://', pglitePort: 0, poolMax: 10 }, logger });
const core = createCrmCore({ db, logger });
let t0 = performance.now();
const seeded = await seedDemoTenant(core, { contacts });
const seedSeconds = (performance.now() - t0) / 1000;
const u = await core.users.actorByEmail(seeded.users.find((x) => x.role === 'ADMIN')!.email, seeded.slug);
const actor: Actor = { tenantId: u.tenantId, userId: u.userId, role: u.role };

t0 = performance.now();
const trained = await core.scoring.retrain(actor, { rescore: false });
const trainSeconds = (performance.now() - t0) / 1000;
if (!trained.model) throw new Error(`not trained: ${trained.reason}`);
const model = (await core.scoring.modelVersion(actor, trained.model.version))!;

// Timelines of a sample of contacts, read through the public services.
const ids = (await core.contacts.list(actor, { limit: 100, sort: 'lastName' })).data.map((c) => c.id);
const timelines: LeadTimeline[] = [];
for (const id of ids) {
  const c = await core.contacts.get(actor, id);
  const { interactions } = await core.interactions.timeline(actor, id, { limit: 500 });
  timelines.push({
    contactId: id,
    contact: { email: c.email, company: c.company, position: c.position, phone: c.phone, source: c.source, campaign: c.metadata.campaignId, createdAt: c.createdAt, customFields: c.customFields },
    interactions: interactions.map((i) => ({ type: i.type, channel: i.channel, direction: i.direction, occurredAt: i.createdAt, sentiment: i.sentiment?.score, tags: i.tags })),
  });
}
const scorer = modelLeadScorer(model.artifact, model.version, model.customFields);
const now = Date.now();
for (let i = 0; i < 200; i++) scorer.score(extractLeadFeatures(timelines[i % 100].contact, timelines[i % 100].interactions, now, scorer.customFields)); // warm-up

const pureScore = percentiles(await time(samples * 4, (i) => scorer.score(extractLeadFeatures(timelines[i % 100].contact, timelines[i % 100].interactions, now, scorer.customFields))));
const pureExplain = percentiles(await time(samples * 4, (i) => explainLead(scorer, timelines[i % 100], now)));
await core.scoring.scoreContact(actor, ids[0]);
const service = percentiles(await time(samples, (i) => core.scoring.scoreContact(actor, ids[i % 100])));

const server = createServerByName('lead-scoring', { core, actor });
const client = new Client({ name: 'bench', version: '1.0.0' });
const [a, b] = InMemoryTransport.createLinkedPair();
await Promise.all([server.connect(b), client.connect(a)]);
await client.callTool({ name: 'score_lead', arguments: { contact_id: ids[0] } });
const mcp = percentiles(await time(samples, (i) => client.callTool({ name: 'score_lead', arguments: { contact_id: ids[i % 100] } })));
const mcpData = percentiles(
  await time(samples, (i) =>
    client.callTool({
      name: 'score_lead',
      arguments: {
        contact_data: { email: `lead${i}@example-${i % 7}.com`, position: 'Marketing Director', source: 'webinar' },
        interaction_history: [{ type: 'MEETING', direction: 'INBOUND', occurred_at: new Date(now - 3 * 86_400_000).toISOString() }],
      },
    }),
  ),
);
await client.close();
await server.close();

t0 = performance.now();
let batchLocal = 0;
for (let rep = 0; rep < 50; rep++) for (const t of timelines) batchLocal += scorer.score(extractLeadFeatures(t.contact, t.interactions, now, scorer.customFields)).score >= 0 ? 1 : 0;
const pureBatchPerSecond = batchLocal / ((performance.now() - t0) / 1000);
t0 = performance.now();
const rescored = await core.scoring.rescoreTenant(actor);
const rescoreSeconds = (performance.now() - t0) / 1000;

const m = trained.model;
const result = {
  contacts,
  seedSeconds: round(seedSeconds, 1),
  training: {
    seconds: round(trainSeconds, 2),
    labelled: m.trainingSummary.labelled,
    positives: m.trainingSummary.positives,
    model: m.modelKind,
    cvAuc: round(m.metrics.cvAuc ?? Number.NaN),
    cvAucStd: round(m.metrics.cvAucStd ?? Number.NaN),
    holdoutAuc: round(m.metrics.holdoutAuc ?? Number.NaN),
    holdoutRows: m.metrics.holdoutRows,
    rulesHoldoutAuc: round(m.decision.baselineHoldoutAuc ?? Number.NaN),
    candidates: m.metrics.candidates,
    decision: m.decision.reason,
  },
  latencyMs: {
    inProcessScore: pureScore,
    inProcessExplainWithWhatIf: pureExplain,
    serviceScoreContact: service,
    mcpScoreLeadContactId: mcp,
    mcpScoreLeadContactData: mcpData,
  },
  batch: {
    inProcessContactsPerSecond: Math.round(pureBatchPerSecond),
    rescoreTenant: { contacts: rescored.scored, seconds: round(rescoreSeconds, 2), contactsPerSecond: Math.round(rescored.scored / rescoreSeconds), changed: rescored.changed },
  },
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
await core.outbox.stop();
await db.close();
