import { WRITES_IDX_MAP, type ChannelVersions, type Checkpoint, type CheckpointMetadata, type CheckpointTuple, type PendingWrite } from '@langchain/langgraph-checkpoint';
import type { RunnableConfig } from '@langchain/core/runnables';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { queryInOwnTransaction } from '@crm/core';
import type pg from 'pg';

const bytes = (b: Uint8Array | undefined) => (b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : null);

/**
 * A `configurable` key: true tells the saver that this thread has no checkpoint yet (the first
 * run of an execution), so LangGraph's initial read is answered without a round trip.
 */
export const FRESH_THREAD = 'crm_fresh_thread';

/** [thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob] as the library dumps them. */
type WriteRow = [string, string, string, string, number, string, string, Uint8Array | undefined];

interface HeldWrites {
  rows: Promise<WriteRow[]>;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * LangGraph's PostgresSaver with the same tables, rows and reads, but each write is ONE statement
 * instead of a transaction with a statement per row: a checkpoint and its channel blobs go in one
 * `INSERT … SELECT FROM unnest(…)` with data-modifying CTEs, a thread's deletion in one statement.
 * A single statement is atomic, so a crash leaves either all of a checkpoint or none of it, as the
 * library's BEGIN/COMMIT did.
 *
 * A task's channel writes are held until the checkpoint that follows them and go in that same
 * statement (LangGraph puts the superstep's checkpoint right after its tasks finish), or — when no
 * checkpoint follows in this turn of the event loop (an interrupt, an error) — in a statement of
 * their own on the next turn. Their promise resolves only once they are stored, so `durability:
 * 'sync'` still waits for them; a crash before the checkpoint loses them, which only means the
 * task runs again (every effect is keyed). Interrupt/error/resume writes are never held.
 */
export class BatchedPostgresSaver extends PostgresSaver {
  private readonly sql: { put: string; upsertWrites: string; insertWrites: string; deleteThread: string };
  private readonly held = new Map<string, HeldWrites[]>();
  /** The checkpoint statement in flight per thread: LangGraph chains the next one after it. */
  private readonly putting = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: pg.Pool,
    schema: string,
    /**
     * Send the saver's own statements as named prepared statements, so each pooled connection
     * parses and plans them once instead of at every checkpoint. Not on PGlite: its connections
     * share one session, where a second connection's Parse of the same name fails.
     */
    private readonly prepared = false,
  ) {
    super(db, undefined, { schema });
    const t = (name: string) => `"${schema}".${name}`;
    const writes = (conflict: string) => `INSERT INTO ${t('checkpoint_writes')} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
      SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${conflict}`;
    const heldWrites = (p: number) => `INSERT INTO ${t('checkpoint_writes')} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
      SELECT * FROM unnest($${p}::text[], $${p + 1}::text[], $${p + 2}::text[], $${p + 3}::text[], $${p + 4}::int[], $${p + 5}::text[], $${p + 6}::text[], $${p + 7}::bytea[])
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) DO NOTHING`;
    this.sql = {
      put: `WITH blobs AS (
          INSERT INTO ${t('checkpoint_blobs')} (thread_id, checkpoint_ns, channel, version, type, blob)
          SELECT $1, $2, b.channel, b.version, b.type, b.blob FROM unnest($7::text[], $8::text[], $9::text[], $10::bytea[]) AS b(channel, version, type, blob)
          ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING),
        writes AS (${heldWrites(11)})
        INSERT INTO ${t('checkpoints')} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
      upsertWrites: writes('DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob'),
      insertWrites: heldWrites(1),
      deleteThread: `WITH b AS (DELETE FROM ${t('checkpoint_blobs')} WHERE thread_id = $1), w AS (DELETE FROM ${t('checkpoint_writes')} WHERE thread_id = $1)
        DELETE FROM ${t('checkpoints')} WHERE thread_id = $1`,
    };
  }

  /** One of the saver's statements (named when `prepared`: parsed once per connection). */
  private run(name: keyof BatchedPostgresSaver['sql'], values: unknown[]): Promise<unknown> {
    return this.prepared ? this.db.query({ name: `crm_checkpoint_${name}`, text: this.sql[name], values }) : this.db.query(this.sql[name], values);
  }

  /** Take the writes held for a thread (synchronously, so a statement claims exactly what it stores). */
  private take(threadId: string): HeldWrites[] {
    const held = this.held.get(threadId) ?? [];
    this.held.delete(threadId);
    return held;
  }

  /** The held rows as the 8 column arrays of `heldWrites`. */
  private static async columns(held: HeldWrites[]): Promise<unknown[]> {
    const rows = (await Promise.all(held.map((h) => h.rows))).flat();
    const column = (i: number): unknown[] => rows.map((r) => r[i]);
    return [column(0), column(1), column(2), column(3), column(4), column(5), column(6), rows.map((r) => bytes(r[7]))];
  }

  private static async settle(held: HeldWrites[], stored: Promise<unknown>): Promise<void> {
    try {
      await stored;
    } catch (err) {
      for (const h of held) h.reject(err);
      throw err;
    }
    for (const h of held) h.resolve();
  }

  /** Store a thread's held writes in a statement of their own (nothing held: no round trip). */
  private async flush(threadId: string): Promise<void> {
    const held = this.take(threadId);
    if (!held.length) return;
    await BatchedPostgresSaver.settle(
      held,
      BatchedPostgresSaver.columns(held).then((cols) => this.run('insertWrites', cols)),
    );
  }

  /**
   * LangGraph's `setup()` checks out a connection and sends its migration bookkeeping
   * (`INSERT … VALUES ($1)`) on it outside a transaction. Over the embedded PGlite's socket,
   * parameterised statements of different connections interleave outside a transaction (see
   * `queryInOwnTransaction`), so the first `crm chat` beside a busy `crm start` failed with
   * "unnamed prepared statement does not exist". Here every parameterised statement of the setup
   * runs in a transaction of its own (on the server the same as autocommit).
   */
  override async setup(): Promise<void> {
    const self = this as unknown as { pool: pg.Pool };
    const pool = self.pool;
    const connect = async () => {
      const client = await pool.connect();
      return {
        query: (text: string, values?: unknown[]) => (values?.length ? queryInOwnTransaction(client, text, values) : client.query(text)),
        release: (err?: Error | boolean) => client.release(err),
      };
    };
    self.pool = { connect } as unknown as pg.Pool;
    try {
      await super.setup();
    } finally {
      self.pool = pool;
    }
  }

  override async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const c = config.configurable as { thread_id?: string; [FRESH_THREAD]?: boolean } | undefined;
    if (c?.[FRESH_THREAD] === true) return undefined;
    if (c?.thread_id) await this.flush(c.thread_id);
    return super.getTuple(config);
  }

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata, newVersions: ChannelVersions): Promise<RunnableConfig> {
    if (config.configurable === undefined) throw new Error('Missing "configurable" field in "config" param');
    const { thread_id, checkpoint_ns = '', checkpoint_id } = config.configurable as { thread_id: string; checkpoint_ns?: string; checkpoint_id?: string };
    const held = this.take(thread_id);
    const stored = (async () => {
      const [blobs, meta, writes] = await Promise.all([
        this._dumpBlobs(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions),
        this._dumpMetadata(metadata),
        BatchedPostgresSaver.columns(held),
      ]);
      await this.run('put', [
        thread_id,
        checkpoint_ns,
        checkpoint.id,
        checkpoint_id ?? null,
        this._dumpCheckpoint(checkpoint),
        meta,
        blobs.map((b) => b[2]),
        blobs.map((b) => b[3]),
        blobs.map((b) => b[4]),
        blobs.map((b) => bytes(b[5])),
        ...writes,
      ]);
    })();
    this.putting.set(thread_id, stored);
    try {
      await BatchedPostgresSaver.settle(held, stored);
    } finally {
      if (this.putting.get(thread_id) === stored) this.putting.delete(thread_id);
    }
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string): Promise<void> {
    if (!writes.length) return;
    const c = config.configurable as { thread_id: string; checkpoint_ns?: string; checkpoint_id: string };
    const dumped = this._dumpWrites(c.thread_id, c.checkpoint_ns ?? '', c.checkpoint_id, taskId, writes) as Promise<WriteRow[]>;
    if (!writes.every((w) => w[0] in WRITES_IDX_MAP)) {
      // channel writes: held for the checkpoint that follows (see the class comment)
      return new Promise<void>((resolve, reject) => {
        const list = this.held.get(c.thread_id);
        if (list) list.push({ rows: dumped, resolve, reject });
        else {
          this.held.set(c.thread_id, [{ rows: dumped, resolve, reject }]);
          // on the next turn, unless a checkpoint of this thread is in flight: the next one is
          // chained right after it and takes these writes along
          const later = (): void => {
            setImmediate(() => {
              const busy = this.putting.get(c.thread_id);
              if (busy) void busy.then(later, later);
              else void this.flush(c.thread_id).catch(() => {});
            });
          };
          later();
        }
      });
    }
    // interrupt, error, resume: stored at once. The library upserts row by row, so the last write
    // of an index wins; one statement may not touch a row twice
    const rows = [...new Map((await dumped).map((r) => [r[4], r])).values()];
    await this.run('upsertWrites', [
      c.thread_id,
      c.checkpoint_ns ?? '',
      c.checkpoint_id,
      taskId,
      rows.map((r) => r[4]),
      rows.map((r) => r[5]),
      rows.map((r) => r[6]),
      rows.map((r) => bytes(r[7])),
    ]);
  }

  override async deleteThread(threadId: string): Promise<void> {
    await this.flush(threadId).catch(() => {});
    await this.run('deleteThread', [threadId]);
  }
}
