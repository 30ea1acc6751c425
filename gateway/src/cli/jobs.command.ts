import { AppError } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import type { Command } from './command.types.ts';

const NONE_YET = 'No scheduled job has run yet (they run while "npx crm start" or "npx crm worker" runs).';

export const jobsCommand: Command = {
  summary: 'Scheduled jobs: recent runs (each slot runs once across replicas)',
  usage: 'crm jobs [--job NAME] [--limit N] [--json]',
  options: { job: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  async run({ values, logger }) {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw AppError.validation([{ path: 'limit', reason: 'must be a whole number from 1 to 1000' }]);
    const booted = await bootCore(logger);
    try {
      const job = typeof values.job === 'string' ? values.job : undefined;
      const runs = await booted.runtime.jobs.recentRuns(job, limit);
      if (values.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
      else if (!runs.length && job) {
        // a typo and a job that has not run yet look alike: name the jobs that have runs
        const names = [...new Set((await booted.runtime.jobs.recentRuns(undefined, 1000)).map((r) => r.job))].sort();
        process.stdout.write(`No run of the job "${job}" is recorded. ${names.length ? `Jobs with runs: ${names.join(', ')}.` : NONE_YET}\n`);
      } else if (!runs.length) process.stdout.write(`${NONE_YET}\n`);
      else
        for (const r of runs) {
          const ms = r.finishedAt ? `${r.finishedAt.getTime() - r.startedAt.getTime()} ms` : 'running';
          process.stdout.write(`${r.slot.toISOString()}  ${r.job.padEnd(24)} ${r.status.padEnd(9)} ${ms.padEnd(9)} ${r.holder}${r.error ? `  ${r.error}` : ''}\n`);
        }
      return 0;
    } finally {
      await booted.close();
    }
  },
};
