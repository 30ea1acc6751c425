import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, loadConfig, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture, type TenantFixture } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');
const DAY = 86_400_000;

// `crm agents run follow-up` on an embedded database the test prepared: one hot lead gone quiet,
// one overdue follow-up; the drafts wait in `crm approvals`, approving one puts it in the mailbox.
describe('crm agents', { timeout: 600_000 }, () => {
  let dir: string;
  let f: TenantFixture;
  const slug = 'agents';
  const ids: Record<string, string> = {};
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 });

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-agents-'));
    const config = loadConfig(env());
    const db = await openDatabase({ config: config.database, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      f = await createTenantFixture(core, slug);
      const hot = await core.contacts.create(f.manager, { firstName: 'Hana', lastName: 'Hot', email: 'hana@hot.test', company: 'Hot Ltd', assignedTo: f.rep.userId });
      await core.contacts.update(f.manager, hot.id, { leadScore: 91 });
      await core.interactions.log(f.manager, { contactId: hot.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', content: 'demo', occurredAt: new Date(Date.now() - 40 * DAY) });
      const late = await core.contacts.create(f.manager, { firstName: 'Leo', lastName: 'Late', email: 'leo@late.test', assignedTo: f.rep.userId });
      await core.followUps.create(f.rep, { contactId: late.id, title: 'Send the case study', dueAt: new Date(Date.now() - 3 * DAY) });
      ids.hot = hot.id;
      ids.late = late.id;
    } finally {
      await db.close();
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the follow-up agent: a task and two drafts waiting for approval; a second run files nothing new', () => {
    const first = crm('agents', 'run', 'follow-up', '--json');
    expect(first.status, first.stderr).toBe(0);
    const [run] = JSON.parse(first.stdout) as { tenant: string; report: { tasksCreated: { contactId: string }[]; draftsFiled: { approvalId: string; contactId: string; reason: string }[] } }[];
    expect(run.tenant).toBe(slug);
    expect(run.report.tasksCreated.map((t) => t.contactId)).toEqual([ids.hot]);
    expect(run.report.draftsFiled.map((d) => `${d.reason}:${d.contactId}`).sort()).toEqual([`hot-lead:${ids.hot}`, `overdue:${ids.late}`].sort());

    const listed = crm('approvals', 'list', '--json', '--user', `manager@${slug}.test`);
    expect(listed.status, listed.stderr).toBe(0);
    const approvals = JSON.parse(listed.stdout) as { id: string; action: { tool: string } }[];
    const drafts = approvals.filter((a) => run.report.draftsFiled.some((d) => d.approvalId === a.id));
    expect(drafts.map((a) => a.action.tool)).toEqual(['send_email', 'send_email']);

    const again = crm('agents', 'run', 'follow-up');
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`${slug}: 1 hot lead gone quiet; 0 follow-up tasks created; 1 draft email waiting for approval; 1 skipped`);

    const approve = crm('approvals', 'approve', drafts[0].id, '--reason', 'ok', '--user', `manager@${slug}.test`);
    expect(approve.status, approve.stderr).toBe(0);
    const mailbox = crm('workflow', 'mailbox', '--json', '--user', `manager@${slug}.test`);
    expect(mailbox.status, mailbox.stderr).toBe(0);
    expect((JSON.parse(mailbox.stdout) as { to: string }[]).map((m) => m.to)).toHaveLength(1);
  });

  it('runs the rescoring agent and the digest now: JSON reports, the digest saved and in the managers\' mailbox', () => {
    const rescoring = crm('agents', 'run', 'rescoring', '--tenant', slug, '--json');
    expect(rescoring.status, rescoring.stderr).toBe(0);
    const [r] = JSON.parse(rescoring.stdout) as { tenant: string; report: { decision: string; modelVersionBefore: number | null; scored: number; scoresChanged: number; movers: unknown[] } }[];
    // two contacts and no outcomes: the cold-start rules stay, every contact is rescored
    expect(r).toMatchObject({ tenant: slug, report: { decision: 'cold_start', modelVersionBefore: null, scored: 2 } });
    expect(r.report.movers.length).toBeLessThanOrEqual(Math.min(5, r.report.scoresChanged));

    const text = crm('agents', 'run', 'rescoring', '--tenant', slug);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`${slug}: cold_start (rules → rules)`);
    expect(text.stdout).toContain('rescored 2 contacts');

    const digest = crm('agents', 'run', 'digest', '--tenant', slug, '--json');
    expect(digest.status, digest.stderr).toBe(0);
    const [d] = JSON.parse(digest.stdout) as { tenant: string; report: { reportId: string; title: string; emailed: string[]; body: string; figures: { newContacts: number; overdueFollowUps: { count: number } } } }[];
    expect(d.report.emailed).toEqual([`admin@${slug}.test`, `manager@${slug}.test`, `marketing@${slug}.test`]);
    expect(d.report.figures).toMatchObject({ newContacts: 2, overdueFollowUps: { count: 1 } });
    expect(d.report.body).toContain('New contacts this week: 2');
    const mailbox = crm('workflow', 'mailbox', '--json', '--to', `manager@${slug}.test`, '--user', `manager@${slug}.test`);
    expect(mailbox.status, mailbox.stderr).toBe(0);
    expect((JSON.parse(mailbox.stdout) as { subject: string }[]).map((m) => m.subject)).toEqual([d.report.title]);
  });

  it.each([
    [['agents'], 64, /action: must be "run"/], // a missing action is bad usage
    [['agents', 'run', 'nope'], 65, /agent: must be "follow-up", "rescoring" or "digest"/],
    [['agents', 'run', 'follow-up', '--tenant', 'nope'], 65, /tenant: no tenant with the slug "nope"/],
  ] as const)('%j fails with one clear line and exit code %i', (args, code, message) => {
    const r = crm(...args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
  });
});
