import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

/**
 * `crm import` reads a CSV's dates without a zone in the tenant's time zone (the demo tenant's is
 * Europe/London: in July that is UTC+1); they were read as UTC (QA round 5's leftovers).
 */
describe("crm import reads offset-less CSV dates in the tenant's time zone (embedded database)", { timeout: 300_000 }, () => {
  let dir: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-cli-zone-'));
    const seeded = crm('seed', '--demo', '--contacts', '5');
    expect(seeded.status, seeded.stderr).toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('imports contacts and interactions with dates alone and local times as London days and times, keeping an explicit Z', () => {
    const contacts = path.join(dir, 'zone.csv');
    fs.writeFileSync(contacts, 'First Name,Last Name,Email,Created Date,Last Contacted\nZia,Zone,zia@zone.test,2026-07-01,2026-07-02 10:00\nZed,Zone,zed@zone.test,02/07/2026,2026-07-02T10:00:00Z\n');
    const r = crm('import', 'contacts', contacts, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ created: 2, failed: 0 });
    const activity = path.join(dir, 'zone-activity.csv');
    fs.writeFileSync(activity, 'Email,Type,Date,Follow Up Date,Notes\nzia@zone.test,PHONE_CALL,2026-07-03 09:15,2026-07-10,called\n');
    const a = crm('import', 'interactions', activity, '--json', '--user', 'marcus.reid@brightwave.example');
    expect(a.status, a.stderr + a.stdout).toBe(0);

    const exported = crm('export', 'contacts', '-', '--user', 'marcus.reid@brightwave.example');
    expect(exported.status, exported.stderr).toBe(0);
    const [header, ...lines] = exported.stdout.trim().split('\n');
    const cols = header.split(',');
    const row = (email: string) => {
      const cells = lines.find((l) => l.includes(email))!.split(',');
      return { createdAt: cells[cols.indexOf('createdAt')], lastContactDate: cells[cols.indexOf('lastContactDate')] };
    };
    // midnight and 10:00 in London (BST) — were 00:00Z and 10:00Z; the explicit Z stays 10:00Z
    expect(row('zia@zone.test')).toEqual({ createdAt: '2026-06-30T23:00:00.000Z', lastContactDate: '2026-07-03T08:15:00.000Z' });
    expect(row('zed@zone.test')).toEqual({ createdAt: '2026-07-01T23:00:00.000Z', lastContactDate: '2026-07-02T10:00:00.000Z' });

    const interactions = crm('export', 'interactions', '-', '--user', 'marcus.reid@brightwave.example');
    expect(interactions.status, interactions.stderr).toBe(0);
    const [ih, ...il] = interactions.stdout.trim().split('\n');
    const icols = ih.split(',');
    const called = il.find((l) => l.includes('called'))!.split(',');
    expect(called[icols.indexOf('scheduledFollowUp')]).toBe('2026-07-09T23:00:00.000Z');
  });
});
