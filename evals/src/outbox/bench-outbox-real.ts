/**
 * Outbox dispatch with the platform's real consumers (what `crm start` subscribes: lead scoring,
 * workflow triggers, sentiment, the interaction indexer, approval notifications): a CSV import of
 * N contacts is committed while no dispatcher runs, then one dispatcher drains the backlog — every
 * `contact.created` rescored (which writes `lead_score.changed` events, drained too) and matched
 * against an active CONTACT_CREATED workflow (a quarter of the contacts start an execution) and a
 * LEAD_SCORE_CHANGED one. Reports events/s, statements per event, and how soon a second tenant's
 * contact, created while the backlog drains, reaches its consumers.
 *
 *   npx tsx evals/src/outbox/bench-outbox-real.ts [--rows 20000] [--only pglite|postgres] [--server URL] [--per-event] [--profile-sql]
 *
 * `--per-event` hides the consumers' batch handlers (each event is handed to each consumer on its
 * own, as before batch delivery), for a before/after on the same machine and data.
 */
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createCrmCore, createOutboxDispatcher, createSentimentSubscriber, createWorkflowTriggers, silentLogger, startScoring, type Database, type Subscription } from '@crm/core';
import { createTenantFixture, databaseOf, openTestDatabase, type TestDbKind } from '@crm/core/testing';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '20000' }, only: { type: 'string' }, server: { type: 'string' }, 'per-event': { type: 'boolean', default: false }, 'profile-sql': { type: 'boolean', default: false } },
});
const ROWS = Number(values.rows);
const SERVER = values.server ?? process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

function* csv(rows: number) {
  yield 'First Name,Last Name,Email,Company Name,Lifecycle Stage,Job Title\n';
  const stages = ['lead', 'lead', 'lead', 'customer'];
  for (let i = 0; i < rows; i++) yield `Ann${i},Lee${i % 97},ann.${i}@bench${i % 113}.example,"Bench ${i % 113} Ltd",${stages[i % 4]},${i % 3 ? 'Manager' : 'Director'}\n`;
}

async function statements(db: Database): Promise<number> {
  const c = await databaseOf(db).connect();
  try {
    // PGlite has no pg_stat_statements; xact_commit + rollback counts transactions on both
    const r = await c.query<{ n: string }>(`SELECT (xact_commit + xact_rollback)::text AS n FROM pg_stat_database WHERE datname = current_database()`);
    return Number(r.rows[0]?.n ?? 0);
  } finally {
    c.release();
  }
}

async function bench(kind: TestDbKind) {
  if (kind === 'postgres') process.env.TEST_DATABASE_URL = SERVER;
  const t = await openTestDatabase(kind);
  const logger = silentLogger();
  const core = createCrmCore({ db: t.db, logger });
  try {
    const big = await createTenantFixture(core);
    const small = await createTenantFixture(core);
    const wf = (name: string, type: 'CONTACT_CREATED' | 'LEAD_SCORE_CHANGED', conditions: { field: string; operator: 'eq' | 'gte'; value: unknown }[]) =>
      core.workflows.create(big.marketing, {
        name,
        isActive: true,
        trigger: { type, conditions },
        steps: [{ id: 'task', name: 'Task', type: 'CREATE_TASK', config: { title: 'Follow up {{contact.firstName}}' } }],
      });
    await wf('Welcome customers', 'CONTACT_CREATED', [{ field: 'contact.status', operator: 'eq', value: 'CUSTOMER' }]);
    await wf('Hot lead', 'LEAD_SCORE_CHANGED', [{ field: 'contact.leadScore', operator: 'gte', value: 90 }]);
    await core.outbox.drain();

    const t0i = performance.now();
    const report = await core.imports.importContacts(big.admin, Readable.from(csv(ROWS)));
    const importMs = performance.now() - t0i;

    // the consumers `crm start` subscribes (createCrmCore already added the indexer and approval notifier)
    // --profile-sql: time the dispatcher's own statements (claim, outcome) by their first words
    const sqlSpent: Record<string, { n: number; ms: number }> = {};
    if (values['profile-sql']) {
      const raw = databaseOf(t.db);
      const asWorker = raw.asWorker.bind(raw);
      raw.asWorker = (fn) =>
        asWorker((c) => {
          const query = c.query.bind(c) as (...args: unknown[]) => Promise<unknown>;
          const timedClient = Object.create(c) as typeof c;
          (timedClient as unknown as { query: typeof query }).query = async (...args: unknown[]) => {
            const text = typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string })?.text ?? '?');
            const k = text.replace(/\s+/g, ' ').trim().slice(0, 48);
            const t1 = performance.now();
            try {
              return await query(...args);
            } finally {
              const e = (sqlSpent[k] ??= { n: 0, ms: 0 });
              e.n++;
              e.ms += performance.now() - t1;
            }
          };
          return fn(timedClient);
        });
    }
    const dispatcher = createOutboxDispatcher(t.db, logger);
    const perEvent = values['per-event'];
    // time spent in each consumer (batch and per-event calls), reported with the result
    const spent: Record<string, number> = {};
    const timed = async <T>(name: string, p: () => Promise<T> | T): Promise<T> => {
      const t = performance.now();
      try {
        return await p();
      } finally {
        spent[name] = (spent[name] ?? 0) + (performance.now() - t);
      }
    };
    const hide = (s: Subscription): Subscription => ({
      ...s,
      handler: (e) => timed(s.consumer, () => s.handler(e)),
      handleBatch: perEvent || !s.handleBatch ? undefined : (events, ctx) => timed(`${s.consumer} (batch)`, () => s.handleBatch!(events, ctx)),
    });
    const subscribe = dispatcher.subscribe.bind(dispatcher);
    dispatcher.subscribe = (s) => subscribe(hide(s));
    // core.outbox's subscriptions move to this dispatcher: the same consumers, one dispatcher
    const scoring = startScoring({ ...core, outbox: dispatcher }, { retrainHours: 0 });
    createWorkflowTriggers(t.db, logger).subscribe(dispatcher);
    dispatcher.subscribe(createSentimentSubscriber({ db: t.db, logger }));
    core.knowledge.subscribe(dispatcher);
    let smallAt: number | undefined;
    let t0 = 0;
    dispatcher.subscribe({
      consumer: 'bench-probe',
      types: ['contact.created'],
      handler: (e) => {
        if (e.tenantId === small.tenantId) smallAt ??= performance.now() - t0;
      },
    });
    const pending = async () =>
      Number((await databaseOf(t.db).readAsWorker([{ sql: 'SELECT count(*)::int AS n FROM outbox_events WHERE dispatched_at IS NULL' }]))[0][0].n);
    const backlog = await pending();
    const s0 = await statements(t.db);
    t0 = performance.now();
    const running = dispatcher.drain();
    await new Promise((r) => setTimeout(r, 50));
    // from its commit (the create itself may wait for the embedded database's one connection)
    await core.contacts.create(small.admin, { firstName: 'Small', lastName: 'Tenant', email: `small.${Date.now()}@small.example` });
    const smallCommitted = performance.now() - t0;
    let dispatched = await running;
    // events written while draining (lead_score.changed, workflow.triggered) and the small tenant's
    while ((await pending()) > 0) dispatched += await dispatcher.drain();
    const ms = performance.now() - t0;
    const txns = (await statements(t.db)) - s0;
    scoring.stop();
    const executions = Number((await databaseOf(t.db).readAsWorker([{ sql: 'SELECT count(*)::int AS n FROM workflow_executions' }]))[0][0].n);
    console.log(
      JSON.stringify({
        kind,
        mode: perEvent ? 'per-event' : 'batch',
        rows: ROWS,
        imported: report.created,
        importRowsPerSec: Math.round(ROWS / (importMs / 1000)),
        backlogAtStart: backlog,
        dispatched,
        seconds: +(ms / 1000).toFixed(1),
        eventsPerSec: Math.round(dispatched / (ms / 1000)),
        transactionsPerEvent: +(txns / dispatched).toFixed(2),
        executionsQueued: executions,
        consumerSeconds: Object.fromEntries(Object.entries(spent).map(([k, v]) => [k, +(v / 1000).toFixed(1)])),
        ...(values['profile-sql'] ? { workerSql: Object.fromEntries(Object.entries(sqlSpent).map(([k, v]) => [k, { n: v.n, seconds: +(v.ms / 1000).toFixed(1) }])) } : {}),
        smallTenantEventSeconds: smallAt === undefined ? null : +((smallAt - smallCommitted) / 1000).toFixed(2),
      }),
    );
  } finally {
    await t.drop();
  }
}

for (const kind of ['pglite', 'postgres'] as TestDbKind[]) {
  if (values.only && values.only !== kind) continue;
  await bench(kind);
}
