import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, loadConfig, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture, type TenantFixture } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// The real `crm approvals` on an embedded database the test prepared: a rep's assistant filed two
// tool calls; a manager decides them from the terminal.
describe('crm approvals', { timeout: 600_000 }, () => {
  let dir: string;
  let f: TenantFixture;
  let slug: string;
  let contactId: string;
  const ids: Record<string, string> = {};
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 });
  const as = (who: string) => ['--user', `${who}@${slug}.test`];

  async function withCore<T>(fn: (core: ReturnType<typeof createCrmCore>) => Promise<T>): Promise<T> {
    const config = loadConfig(env());
    const db = await openDatabase({ config: config.database, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      return await fn(core);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-approvals-'));
    slug = 'appr';
    await withCore(async (core) => {
      f = await createTenantFixture(core, slug);
      contactId = (await core.contacts.create(f.rep, { firstName: 'Dana', lastName: 'Whitfield', email: 'dana@northwind.test', assignedTo: f.rep.userId })).id;
      const file = (status: string) =>
        core.approvals.request(f.rep, {
          kind: 'agent_action',
          action: { tool: 'change_contact_status', arguments: { id: contactId, status } },
          summary: `Move Dana to ${status}`,
        });
      ids.prospect = (await file('PROSPECT')).id;
      ids.inactive = (await file('INACTIVE')).id;
      ids.others = (
        await core.approvals.request(f.otherRep, { kind: 'agent_action', action: { tool: 'update_contact', arguments: { id: contactId, company: 'X' } }, summary: 'Change company' })
      ).id;
    });
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists the pending queue (a rep sees only their own) and shows one request', () => {
    const listed = crm('approvals', 'list', ...as('manager'));
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(ids.prospect);
    expect(listed.stdout).toContain(ids.others);
    expect(listed.stdout).toMatch(/pending\s+agent_action\s+medium .* Move Dana to PROSPECT/);
    const mine = JSON.parse(crm('approvals', 'list', '--json', ...as('rep')).stdout) as { id: string }[];
    expect(mine.map((a) => a.id).sort()).toEqual([ids.prospect, ids.inactive].sort());
    const shown = crm('approvals', 'show', ids.prospect, ...as('manager'));
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('{"tool":"change_contact_status","arguments":{"id":"' + contactId + '","status":"PROSPECT"}}');
  });

  it('approve runs the action once as the requester; approving again is a conflict (exit 73)', async () => {
    const r = crm('approvals', 'approve', ids.prospect, '--reason', 'checked', ...as('manager'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/status\s+approved/);
    expect(r.stdout).toMatch(/execution\s+succeeded/);
    const again = crm('approvals', 'approve', ids.prospect, ...as('manager'));
    expect(again.status).toBe(73);
    expect(again.stderr).toMatch(/CONFLICT: Approval .* was already approved/);
    const decided = JSON.parse(crm('approvals', 'list', '--status', 'decided', '--json', ...as('manager')).stdout) as { id: string; executionStatus: string }[];
    expect(decided).toEqual([expect.objectContaining({ id: ids.prospect, executionStatus: 'succeeded' })]);
    await withCore(async (core) => {
      expect((await core.contacts.get(f.manager, contactId)).status).toBe('PROSPECT');
      const changes = (await core.audit.list(f.admin, { entityType: 'contact', entityId: contactId })).filter((e) => e.action === 'contact.status_changed');
      expect(changes.map((e) => e.actorId)).toEqual([f.rep.userId]);
    });
  });

  it('reject needs a reason; a rep cannot decide another rep\'s request; bad input is named', () => {
    const noReason = crm('approvals', 'reject', ids.inactive, ...as('manager'));
    expect(noReason.status).toBe(65);
    expect(noReason.stderr).toMatch(/reason: a rejection needs a reason/);
    const denied = crm('approvals', 'approve', ids.others, ...as('rep'));
    expect(denied.status).toBe(77);
    const rejected = crm('approvals', 'reject', ids.inactive, '--reason', 'wrong contact', ...as('rep'));
    expect(rejected.status, rejected.stderr).toBe(0);
    expect(rejected.stdout).toMatch(/decided .* — wrong contact/);
    expect(crm('approvals', 'show', 'nope', ...as('manager')).stderr).toMatch(/id: must be a UUID/);
    const unknown = crm('approvals', 'list', '--status', 'open', ...as('manager'));
    expect(unknown.status).toBe(65);
    expect(unknown.stderr).toMatch(/status/);
    expect(crm('approvals', 'frobnicate').status).toBe(64); // an unknown action is bad usage
  });

  it('takes the start of an id as the list prints it; a rep cannot reach another rep\'s request that way', () => {
    const all = [ids.prospect!, ids.inactive!, ids.others!];
    // the shortest start (≥ 4 characters) of the other rep's request that no other request shares
    const n = [...Array(33).keys()].map((i) => i + 4).find((k) => all.filter((id) => id.startsWith(ids.others!.slice(0, k))).length === 1)!;
    const prefix = ids.others!.slice(0, n);
    const shown = crm('approvals', 'show', prefix, ...as('manager'));
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^id +${ids.others}$`, 'm'));
    const hidden = crm('approvals', 'approve', prefix, ...as('rep'));
    expect(hidden.status).toBe(66);
    expect(hidden.stderr).toMatch(/No approval request whose id starts with/);
    const approved = crm('approvals', 'approve', prefix, '--reason', 'ok', ...as('manager'));
    expect(approved.status, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(new RegExp(`^id +${ids.others}$`, 'm'));
  });
});
