import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseOf } from '../db/database-handle.ts';
import { silentLogger } from '../logger.ts';
import { openTestDatabase, testDbKinds, type TestDatabase } from '../testing/test-db.ts';
import { createJobScheduler, slotOf } from './job-scheduler.ts';

describe.each(testDbKinds())('scheduled jobs run once per slot across schedulers (%s)', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(kind);
  });
  afterAll(() => t.drop());

  it('of three schedulers racing for the same slots, exactly one runs each slot', async () => {
    const ran: string[] = [];
    const schedulers = ['a', 'b', 'c'].map((holder) => {
      const s = createJobScheduler({ db: t.db, logger: silentLogger(), holder });
      s.add({ name: 'race', everySeconds: 60, run: async (slot) => void ran.push(`${holder}@${slot.toISOString()}`) });
      return s;
    });
    const slots = [0, 1, 2, 3, 4].map((i) => new Date(Date.UTC(2026, 0, 1, 12, i)));
    const won = await Promise.all(slots.flatMap((slot) => schedulers.map((s) => s.runSlot('race', slot))));
    expect(won.filter(Boolean)).toHaveLength(slots.length);
    expect(ran).toHaveLength(slots.length);
    expect(new Set(ran.map((r) => r.split('@')[1])).size).toBe(slots.length);
    const runs = await schedulers[0].recentRuns('race');
    expect(runs).toHaveLength(slots.length);
    expect(runs.every((r) => r.status === 'succeeded' && ['a', 'b', 'c'].includes(r.holder))).toBe(true);
  });

  it('records a failing run with its error and keeps scheduling', async () => {
    const s = createJobScheduler({ db: t.db, logger: silentLogger(), holder: 'x' });
    s.add({ name: 'boom', everySeconds: 60, run: async () => Promise.reject(new Error('provider down')) });
    expect(await s.runSlot('boom', new Date(Date.UTC(2026, 0, 1)))).toBe(true);
    const [run] = await s.recentRuns('boom');
    expect(run).toMatchObject({ status: 'failed', error: 'provider down', holder: 'x', result: null });
  });

  it('keeps what a run returned (crm jobs --json shows it)', async () => {
    const s = createJobScheduler({ db: t.db, logger: silentLogger(), holder: 'y' });
    s.add({ name: 'counted', everySeconds: 60, run: async () => ({ tenants: [{ tenant: 'acme', changed: 3 }] }) });
    expect(await s.runSlot('counted', new Date(Date.UTC(2026, 0, 1)))).toBe(true);
    const [run] = await s.recentRuns('counted');
    expect(run).toMatchObject({ status: 'succeeded', result: { tenants: [{ tenant: 'acme', changed: 3 }] } });
  });

  it('runs on wall-clock slots: two running schedulers never run a slot twice, and a missed slot runs at start', async () => {
    const ran: number[] = [];
    const make = (holder: string) => {
      const s = createJobScheduler({ db: t.db, logger: silentLogger(), holder });
      s.add({ name: 'tick', everySeconds: 1, runMissedAtStart: true, run: async (slot) => void ran.push(slot.getTime()) });
      return s;
    };
    const [a, b] = [make('p1'), make('p2')];
    await Promise.all([a.start(), b.start()]);
    await new Promise((r) => setTimeout(r, 3_500));
    await Promise.all([a.stop(), b.stop()]);
    expect(ran.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ran).size).toBe(ran.length);
    expect(ran.every((ms) => ms % 1000 === 0)).toBe(true);
  });

  it('stop() aborts a run in progress instead of waiting for it, and gives its slot back for the next start', async () => {
    let sawAbort = false;
    let runs = 0;
    const longRun = (holder: string) => {
      const s = createJobScheduler({ db: t.db, logger: silentLogger(), holder });
      s.add({
        name: 'long',
        everySeconds: 86_400,
        runMissedAtStart: true,
        run: (_slot, signal) =>
          new Promise((resolve, reject) => {
            runs++;
            // a day-long job: only the stop signal ends it
            const timer = setTimeout(resolve, 86_400_000);
            signal.addEventListener('abort', () => {
              sawAbort = true;
              clearTimeout(timer);
              reject(signal.reason);
            });
          }),
      });
      return s;
    };
    const first = longRun('first');
    await first.start();
    while (runs === 0) await new Promise((r) => setTimeout(r, 20));
    await first.stop(); // resolves only because the run saw the abort
    expect(sawAbort).toBe(true);
    expect(await first.recentRuns('long')).toEqual([]); // the slot is free again, not recorded as failed

    // the next process start runs the same (missed) slot again
    let secondRan = false;
    const second = createJobScheduler({ db: t.db, logger: silentLogger(), holder: 'second' });
    second.add({ name: 'long', everySeconds: 86_400, runMissedAtStart: true, run: async () => void (secondRan = true) });
    await second.start();
    while (!secondRan) await new Promise((r) => setTimeout(r, 20));
    await second.stop();
    const [run] = await second.recentRuns('long');
    expect(run).toMatchObject({ status: 'succeeded', holder: 'second' });
  });

  it('a start gives back the slots a process of this machine claimed and could not release before it ended', async () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid; // exited: its pid names no process now
    const slot = slotOf(Date.now(), 7 * 24 * 3600);
    await databaseOf(t.db).asWorker((c) =>
      c.query('INSERT INTO job_runs (job, slot, holder) VALUES ($1, $2, $3), ($4, $2, $5)', ['orphaned', slot, `${hostname()}:${gone}`, 'held', `${hostname()}:${process.ppid}`]),
    );
    const ran: string[] = [];
    const s = createJobScheduler({ db: t.db, logger: silentLogger() });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    s.add({ name: 'orphaned', everySeconds: 7 * 24 * 3600, runMissedAtStart: true, run: async () => void (ran.push('orphaned'), done()) });
    s.add({ name: 'held', everySeconds: 7 * 24 * 3600, runMissedAtStart: true, run: async () => void ran.push('held') });
    await s.start();
    await finished;
    await s.stop();
    // the slot of a live process (this test's parent) is still that process's
    expect(ran).toEqual(['orphaned']);
    const [held] = await s.recentRuns('held');
    expect(held).toMatchObject({ holder: `${hostname()}:${process.ppid}`, finishedAt: null });
  });

  it('aligns slots to the epoch, not to process start', () => {
    expect(slotOf(Date.UTC(2026, 5, 1, 13, 45), 86_400).toISOString()).toBe('2026-06-01T00:00:00.000Z');
    expect(slotOf(Date.UTC(2026, 5, 1, 13, 45, 31), 60).toISOString()).toBe('2026-06-01T13:45:00.000Z');
  });
});
