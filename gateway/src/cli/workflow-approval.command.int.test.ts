import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, loadConfig, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// The real `crm settings`, `crm workflow activate|rotate-secret` and `crm approvals approve` on an
// embedded database: the activation approval policy and per-workflow webhook secrets from a terminal.
describe('crm settings + workflow activation approval + rotate-secret', { timeout: 600_000 }, () => {
  let dir: string;
  const slug = 'wfa';
  let webhookId: string;
  let firstSecret: string;
  let digestId: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 });
  const as = (who: string) => ['--user', `${who}@${slug}.test`];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-wf-approval-'));
    const config = loadConfig(env());
    const db = await openDatabase({ config: config.database, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      const f = await createTenantFixture(core, slug);
      const wf = await core.workflows.create(f.marketing, {
        name: 'Form hook',
        trigger: { type: 'WEBHOOK' },
        steps: [{ id: 't', name: 'Task', type: 'CREATE_TASK', config: { title: 'Call' } }],
      });
      webhookId = wf.id;
      firstSecret = wf.webhookSecret!;
      const saved = await core.savedReports.save(f.manager, {
        kind: 'pipeline_digest',
        slotKey: '2026-W10',
        title: 'Pipeline digest, week 10',
        periodStart: '2026-03-02T00:00:00Z',
        periodEnd: '2026-03-09T00:00:00Z',
        body: 'New contacts: 7',
      });
      digestId = saved.report.id;
    } finally {
      await db.close();
    }
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('only an ADMIN switches the policy on; a marketing manager\'s activation then waits for a manager\'s approval', () => {
    const denied = crm('settings', 'set', '--workflow-activation-approval', 'on', ...as('marketing'));
    expect(denied.status).toBe(77);
    expect(denied.stderr).toMatch(/Only an ADMIN changes tenant settings/);
    const bad = crm('settings', 'set', '--workflow-activation-approval', 'maybe', ...as('admin'));
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/workflow-activation-approval.*must be on or off/);
    const on = crm('settings', 'set', '--workflow-activation-approval', 'on', ...as('admin'));
    expect(on.status, on.stderr).toBe(0);
    expect(on.stdout).toContain('workflow activation requires approval: on');

    const installed = crm('workflow', 'install', 'hot-lead-alert', '--json', ...as('marketing'));
    expect(installed.status, installed.stderr).toBe(0);
    const wfId = JSON.parse(installed.stdout).id as string;
    const pending = crm('workflow', 'activate', wfId, ...as('marketing'));
    expect(pending.status, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/is NOT active: this tenant requires approval/);
    const approvalId = /Approval ([0-9a-f-]{36})/.exec(pending.stdout)![1];
    const asJson = JSON.parse(crm('workflow', 'activate', wfId, '--json', ...as('marketing')).stdout);
    expect(asJson).toMatchObject({ id: wfId, isActive: false, activation: { status: 'pending_approval', approvalId } });

    const self = crm('approvals', 'approve', approvalId, ...as('marketing'));
    expect(self.status).toBe(77);
    const approved = crm('approvals', 'approve', approvalId, ...as('manager'));
    expect(approved.status, approved.stderr).toBe(0);
    const listed = JSON.parse(crm('workflow', 'list', '--json', ...as('marketing')).stdout) as { id: string; isActive: boolean }[];
    expect(listed.find((w) => w.id === wfId)?.isActive).toBe(true);
    const again = crm('approvals', 'approve', approvalId, ...as('admin'));
    expect(again.status).toBe(73);
    expect(again.stderr).toMatch(/already approved/);
  });

  it('rotate-secret prints the new secret once', () => {
    const rotated = crm('workflow', 'rotate-secret', webhookId, ...as('marketing'));
    expect(rotated.status, rotated.stderr).toBe(0);
    const secret = /(whsec_[A-Za-z0-9_-]{43})/.exec(rotated.stdout)![1];
    expect(secret).not.toBe(firstSecret);
    expect(rotated.stdout).toMatch(/Shown once/);
    expect(crm('workflow', 'rotate-secret', webhookId, ...as('rep')).status).toBe(77);
  });

  it('crm settings --approval-emails switches approval request mail; crm reports saved lists and shows the digest', () => {
    const off = crm('settings', 'set', '--approval-emails', 'off', ...as('admin'));
    expect(off.status, off.stderr).toBe(0);
    expect(off.stdout).toContain('approval requests emailed to approvers: off');
    expect(JSON.parse(crm('settings', 'show', '--json', ...as('rep')).stdout)).toMatchObject({ approvalRequestEmails: false });
    const bad = crm('settings', 'set', '--approval-emails', 'sometimes', ...as('admin'));
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/approval-emails.*must be on or off/);
    expect(crm('settings', 'set', ...as('admin')).status).toBe(65);
    expect(crm('settings', 'set', '--approval-emails', 'on', ...as('admin')).status).toBe(0);

    const listed = crm('reports', 'saved', ...as('manager'));
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${digestId}  pipeline_digest  2026-03-09  Pipeline digest, week 10  not emailed`);
    const json = JSON.parse(crm('reports', 'saved', '--json', ...as('marketing')).stdout) as { data: { id: string }[]; totalCount: number };
    expect(json).toMatchObject({ totalCount: 1, data: [{ id: digestId }] });
    const one = crm('report', 'saved', digestId, ...as('admin'));
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toContain('New contacts: 7');
    expect(crm('reports', 'saved', ...as('rep')).status).toBe(77);
    expect(crm('reports', 'saved', '--limit', '0', ...as('manager')).stderr).toMatch(/limit.*1 to 100/);
  });
});
