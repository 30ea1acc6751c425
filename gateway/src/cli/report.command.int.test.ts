import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

describe('crm report on the embedded database', () => {
  let dir: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-report-'));
    const seeded = crm('seed', '--demo', '--contacts', '80');
    expect(seeded.status, seeded.stderr).toBe(0);
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes an HTML report with inline SVG charts, and the chart PNGs', () => {
    const out = path.join(dir, 'report.html');
    const r = crm('report', 'run', 'sales-pipeline', '--out', out, '--days', '90', '--png', path.join(dir, 'png'));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Sales pipeline .*: \d+ metrics, \d+ insights, \d charts → /);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).toContain('Contacts in CUSTOMER');
    const pngs = fs.readdirSync(path.join(dir, 'png'));
    expect(pngs).toContain('pipeline.png');
    expect(fs.readFileSync(path.join(dir, 'png', 'pipeline.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 240_000);

  it('exports CSV and refuses an unknown type with one clear line', () => {
    const csv = path.join(dir, 'activity.csv');
    expect(crm('report', 'run', 'USER_ACTIVITY', '--out', csv).status).toBe(0);
    expect(fs.readFileSync(csv, 'utf8').split('\n')[0]).toBe('key,group,name,value,unit,change,trend,confidence,benchmark,sample_size');
    const bad = crm('report', 'run', 'REVENUE');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/TYPE must be one of LEAD_PERFORMANCE/);
  }, 240_000);

  it('schedules a report, lists it, emails it now into the mailbox with PNG charts, and removes it', () => {
    const bad = crm('report', 'schedule', 'add', 'SALES_PIPELINE', '--name', 'Weekly', '--cron', '0 7 * * 1', '--to', 'boss@agency.test', '--tz', 'Mars/Base');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/schedule\.timezone.*not an IANA time zone|not an IANA time zone/);
    const added = crm('report', 'schedule', 'add', 'sales-pipeline', '--name', 'Weekly', '--cron', '0 7 * * 1', '--tz', 'Europe/Berlin', '--to', 'boss@agency.test,ops@agency.test', '--json');
    expect(added.status, added.stderr).toBe(0);
    const s = JSON.parse(added.stdout) as { id: string; recipients: string[]; schedule: { timezone: string } };
    expect(s).toMatchObject({ recipients: ['boss@agency.test', 'ops@agency.test'], schedule: { timezone: 'Europe/Berlin' } });
    const listed = crm('report', 'schedule', 'list');
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(`${s.id}  Weekly  SALES_PIPELINE  "0 7 * * 1" Europe/Berlin`);
    const run = crm('report', 'schedule', 'run-now', s.id);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Sent to 2 recipient\(s\) via the local mailbox/);
    const mailbox = crm('workflow', 'mailbox', '--to', 'ops@agency.test', '--json');
    expect(mailbox.status, mailbox.stderr).toBe(0);
    const [mail] = JSON.parse(mailbox.stdout) as { subject: string; html: string; attachments: { filename: string; contentType: string }[] }[];
    expect(mail.subject).toBe('Weekly');
    expect(mail.html).toContain('cid:pipeline@report');
    expect(mail.attachments).toEqual(expect.arrayContaining([expect.objectContaining({ filename: 'pipeline.png', contentType: 'image/png' })]));
    expect(crm('report', 'schedule', 'list').stdout).toMatch(/last succeeded/);
    expect(crm('report', 'schedule', 'remove', s.id).status).toBe(0);
    expect(crm('report', 'schedule', 'list').stdout).toContain('(no report schedules)');
    const unknown = crm('report', 'schedule', 'remove', s.id);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/not found/);
  }, 240_000);
});
