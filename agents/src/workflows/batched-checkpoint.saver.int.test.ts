import { emptyCheckpoint, type Checkpoint } from '@langchain/langgraph-checkpoint';
import { openTestDatabase, testDbKinds, type TestDatabase } from '@crm/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchedPostgresSaver, FRESH_THREAD } from './batched-checkpoint.saver.ts';
import { createWorkflowCheckpointer, type WorkflowCheckpointer } from './checkpointer.ts';

describe.each(testDbKinds())('batched checkpoint saver on %s', (kind) => {
  let t: TestDatabase;
  let cp: WorkflowCheckpointer;

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    cp = await createWorkflowCheckpointer(t.db.url, { kind: t.db.kind });
  });
  afterAll(async () => {
    await cp.close();
    await t.drop();
  });

  const checkpoint = (values: Record<string, unknown>, versions: Record<string, number>): Checkpoint => ({
    ...emptyCheckpoint(),
    channel_values: values,
    channel_versions: versions,
  });

  it('sets its tables up without a parameterised statement outside a transaction (they interleave on the PGlite socket)', async () => {
    // every statement each connection sends, with whether it had parameters and whether a transaction was open
    const sent: { text: string; params: boolean; inTx: boolean }[] = [];
    class RecordingClient extends pg.Client {
      private inTx = false;
      override query(...args: unknown[]): never {
        const [q, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
        const text = typeof q === 'string' ? q : q.text;
        const params = Boolean((typeof q === 'string' ? values : (q.values ?? values))?.length);
        if (/^\s*BEGIN/i.test(text)) this.inTx = true;
        sent.push({ text, params, inTx: this.inTx });
        if (/^\s*(COMMIT|ROLLBACK)/i.test(text)) this.inTx = false;
        return (super.query as (...a: unknown[]) => never)(...args);
      }
    }
    const pool = new pg.Pool({ connectionString: t.db.url, max: 2, Client: RecordingClient });
    try {
      await new BatchedPostgresSaver(pool, 'setup_probe').setup();
    } finally {
      await pool.end();
    }
    const parameterised = sent.filter((s) => s.params);
    // LangGraph records each migration it ran with `INSERT … VALUES ($1)`
    expect(parameterised.length).toBeGreaterThan(3);
    expect(parameterised.filter((s) => !s.inTx)).toEqual([]);
    const owner = await t.db.connect();
    try {
      const { rows } = await owner.query<{ n: string }>('SELECT count(*) AS n FROM setup_probe.checkpoint_migrations');
      expect(Number(rows[0].n)).toBe(parameterised.length);
    } finally {
      owner.release();
    }
  });

  it('stores checkpoints, channel blobs and task writes that the library reads back unchanged, and deletes a thread in one go', async () => {
    const saver = cp.saver;
    const thread = { configurable: { thread_id: 'batched-1', checkpoint_ns: '' } };
    const first = checkpoint({ path: ['a'], outputs: { a: { n: 1, text: 'x\u00e9\\' } } }, { path: 1, outputs: 1 });
    const c1 = await saver.put(thread, first, { source: 'loop', step: 0, parents: {} }, { path: 1, outputs: 1 });
    // two interrupt writes of one task: the library upserts row by row, so the last one wins
    await saver.putWrites(c1, [['__interrupt__', { waitUntil: 'first' }], ['__interrupt__', { waitUntil: 'second' }]], 'task-1');
    await saver.putWrites(c1, [['path', ['b']], ['outputs', { b: null }]], 'task-2');
    await saver.putWrites(c1, [], 'task-3');

    const second = checkpoint({ path: ['a', 'b'], outputs: { a: { n: 1, text: 'x\u00e9\\' } } }, { path: 2, outputs: 1 });
    const c2 = await saver.put(c1, second, { source: 'loop', step: 1, parents: {} }, { path: 2 });

    const back1 = await saver.getTuple(c1);
    expect(back1!.checkpoint.channel_values).toEqual(first.channel_values);
    expect(back1!.pendingWrites).toEqual([
      ['task-1', '__interrupt__', { waitUntil: 'second' }],
      ['task-2', 'path', ['b']],
      ['task-2', 'outputs', { b: null }],
    ]);
    const back2 = await saver.getTuple(thread);
    expect(back2!.config.configurable!.checkpoint_id).toBe(c2.configurable!.checkpoint_id);
    expect(back2!.parentConfig!.configurable!.checkpoint_id).toBe(c1.configurable!.checkpoint_id);
    // the unchanged channel's blob is the one written with the first checkpoint
    expect(back2!.checkpoint.channel_values).toEqual(second.channel_values);

    await saver.deleteThread('batched-1');
    expect(await saver.getTuple(thread)).toBeUndefined();
    const owner = await t.db.connect();
    const left = await owner
      .query<{ n: number }>(
        `SELECT (SELECT count(*) FROM workflow_checkpoints.checkpoints WHERE thread_id = 'batched-1')
              + (SELECT count(*) FROM workflow_checkpoints.checkpoint_blobs WHERE thread_id = 'batched-1')
              + (SELECT count(*) FROM workflow_checkpoints.checkpoint_writes WHERE thread_id = 'batched-1') AS n`,
      )
      .then((r) => r.rows[0].n)
      .finally(() => owner.release());
    expect(Number(left)).toBe(0);
  });

  it("holds a task's channel writes for the checkpoint that follows and stores both in one statement; without one they are stored on their own", async () => {
    const saver = cp.saver;
    const thread = { configurable: { thread_id: 'batched-2', checkpoint_ns: '' } };
    const c1 = await saver.put(thread, checkpoint({ path: ['a'] }, { path: 1 }), { source: 'loop', step: 0, parents: {} }, { path: 1 });
    // statements sent (on PGlite each runs inside its own BEGIN/COMMIT, see queriesInTransactions in core/src/db/own-transaction.ts)
    const queries = vi.spyOn(pg.Client.prototype, 'query');
    const statements = () => queries.mock.calls.filter(([q]) => !/^(BEGIN|COMMIT)$/.test(String(q))).length;
    try {
      // as LangGraph does: the task's writes are not awaited before the superstep's checkpoint
      const written = saver.putWrites(c1, [['path', ['b']]], 'task-1');
      const c2 = await saver.put(c1, checkpoint({ path: ['a', 'b'] }, { path: 2 }), { source: 'loop', step: 1, parents: {} }, { path: 2 });
      await written;
      expect(statements()).toBe(1);
      expect((await saver.getTuple(c1))!.pendingWrites).toEqual([['task-1', 'path', ['b']]]);
      queries.mockClear();
      // no checkpoint follows (a run that stops here): the writes are stored anyway, and awaited
      await saver.putWrites(c2, [['outputs', { b: 1 }]], 'task-2');
      expect(statements()).toBe(1);
      expect((await saver.getTuple(c2))!.pendingWrites).toEqual([['task-2', 'outputs', { b: 1 }]]);
    } finally {
      queries.mockRestore();
    }
    // a fresh thread's initial read needs no round trip
    expect(await saver.getTuple({ configurable: { ...thread.configurable, [FRESH_THREAD]: true } })).toBeUndefined();
    expect(await saver.getTuple(thread)).toBeDefined();
    await saver.deleteThread('batched-2');
  });

  it('names its statements (prepared once per connection) on the server unless WORKFLOW_PREPARED_STATEMENTS is off; never on PGlite', async () => {
    const named = async (preparedStatements?: boolean) => {
      const other = await createWorkflowCheckpointer(t.db.url, { kind: t.db.kind, ...(preparedStatements === undefined ? {} : { preparedStatements }) });
      const queries = vi.spyOn(pg.Client.prototype, 'query');
      try {
        const thread = { configurable: { thread_id: `named-${String(preparedStatements)}`, checkpoint_ns: '' } };
        await other.saver.put(thread, checkpoint({ path: ['a'] }, { path: 1 }), { source: 'loop', step: 0, parents: {} }, { path: 1 });
        await other.saver.deleteThread(thread.configurable.thread_id);
        return queries.mock.calls.some(([q]) => typeof q === 'object' && q !== null && typeof (q as { name?: unknown }).name === 'string');
      } finally {
        queries.mockRestore();
        await other.close();
      }
    };
    expect(await named()).toBe(kind === 'postgres');
    expect(await named(false)).toBe(false);
  });
});
