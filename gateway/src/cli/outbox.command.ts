import { AppError, type DeadEvent } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import type { Command } from './command.types.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function printDead(events: DeadEvent[]) {
  if (!events.length) {
    process.stdout.write('No failed events: every event was delivered or is still being retried.\n');
    return;
  }
  for (const e of events) {
    process.stdout.write(`${e.id}  ${e.createdAt.toISOString()}  ${e.type.padEnd(24)} attempts ${e.attempts}  tenant ${e.tenantId}\n`);
    if (e.lastError) process.stdout.write(`    last error: ${e.lastError.replace(/\s+/g, ' ').slice(0, 300)}\n`);
  }
  process.stdout.write(`\nReplay with "npx crm outbox retry ID…" or "npx crm outbox retry --all".\n`);
}

/** Dead letters of the outbox: events whose consumers failed on every attempt, and their replay. */
export const outboxCommand: Command = {
  summary: 'Outbox events that exhausted their attempts: list them, replay them',
  usage: 'crm outbox failed [--tenant SLUG] [--limit N] [--json] | retry ID… | retry --all [--tenant SLUG]',
  help: [
    'Events (contact.created, interaction.logged, …) are delivered to their consumers (scoring,',
    'sentiment, knowledge indexing, workflows) with retries and backoff; after the last attempt an',
    'event is parked here instead of blocking the others. Fix the cause, then replay it: the running',
    '"crm start" / "crm worker" picks it up within a second.',
    '',
    'Examples:',
    '  npx crm outbox failed --json',
    '  npx crm outbox retry 6f1c0d9e-0b7e-4a43-9a52-0e3a6b4c2f11',
    '  npx crm outbox retry --all --tenant brightwave',
  ].join('\n'),
  options: { tenant: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, all: { type: 'boolean' } },
  async run({ values, positionals, logger }) {
    const [action, ...ids] = positionals;
    if (action !== 'failed' && action !== 'retry') throw AppError.validation([{ path: 'action', reason: 'must be "failed" or "retry"' }]);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw AppError.validation([{ path: 'limit', reason: 'must be a whole number from 1 to 1000' }]);
    if (action === 'retry') {
      if (values.all && ids.length) throw AppError.validation([{ path: 'ids', reason: 'give event ids or --all, not both' }]);
      if (!values.all && !ids.length) throw AppError.validation([{ path: 'ids', reason: 'give the ids of the events to replay (see "crm outbox failed"), or --all' }]);
      const bad = ids.filter((id) => !UUID.test(id));
      if (bad.length) throw AppError.validation(bad.map((id) => ({ path: 'ids', reason: `"${id}" is not an event id (a UUID)` })));
    }
    const booted = await bootCore(logger);
    try {
      const outbox = booted.runtime.core.outbox;
      let tenantId: string | undefined;
      if (typeof values.tenant === 'string') {
        tenantId = (await booted.runtime.core.directory.tenantIdBySlug(values.tenant)) ?? undefined;
        if (!tenantId) throw new AppError('NOT_FOUND', `No tenant "${values.tenant}": see "npx crm tenant list"`);
      }
      if (action === 'failed') {
        const events = await outbox.failed({ tenantId, limit });
        if (values.json) process.stdout.write(`${JSON.stringify(events, null, 2)}\n`);
        else printDead(events);
        return 0;
      }
      const requeued = await outbox.retry(values.all ? { all: true, tenantId } : { ids });
      const missing = values.all ? [] : ids.filter((id) => !requeued.includes(id.toLowerCase()));
      if (values.json) process.stdout.write(`${JSON.stringify({ requeued, notFailed: missing }, null, 2)}\n`);
      else {
        process.stdout.write(`Requeued ${requeued.length} event${requeued.length === 1 ? '' : 's'}.\n`);
        for (const id of missing) process.stderr.write(`${id}: not a failed event (unknown, already delivered, or still being retried)\n`);
      }
      if (missing.length) throw new AppError('NOT_FOUND', `${missing.length} of the given ids ${missing.length === 1 ? 'is' : 'are'} not failed events`);
      return 0;
    } finally {
      await booted.close();
    }
  },
};
