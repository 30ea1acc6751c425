import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCrmCore, loadConfig, openDatabase, silentLogger } from '@crm/core';
import { createTenantFixture, startBigQueryDouble, type BigQueryDouble } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');
const PROJECT = 'acme-crm-test';
const DATASET = 'crm_analytics';

/** Run crm asynchronously: the BigQuery double answers from this process's event loop. */
function crmAsync(env: NodeJS.ProcessEnv, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

// `crm analytics export-bigquery` end to end: an embedded database the test prepared, the real
// client, the BigQuery REST double.
describe('crm analytics export-bigquery', { timeout: 600_000 }, () => {
  let dir: string;
  let bq: BigQueryDouble;
  const slug = 'bqexport';
  const contactIds: string[] = [];
  const base = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_API_KEY: '' });
  const env = () => ({ ...base(), BIGQUERY_PROJECT: PROJECT, BIGQUERY_DATASET: DATASET, BIGQUERY_API_ENDPOINT: bq.url });
  const crm = (...args: string[]) => crmAsync(env(), args);

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bq-'));
    bq = await startBigQueryDouble({ datasets: [`${PROJECT}:${DATASET}`] });
    const config = loadConfig(base());
    const db = await openDatabase({ config: config.database, logger: silentLogger() });
    const core = createCrmCore({ db, logger: silentLogger(), knowledge: { indexInteractions: false } });
    try {
      const f = await createTenantFixture(core, slug);
      for (let i = 0; i < 3; i++) {
        const c = await core.contacts.create(f.manager, { firstName: `Cli${i}`, lastName: 'Test', email: `cli${i}@bq.test`, source: 'webinar' });
        contactIds.push(c.id);
        await core.interactions.log(f.manager, { contactId: c.id, type: 'MEETING', channel: 'IN_PERSON', direction: 'OUTBOUND', content: 'intro' });
      }
      await core.outbox.stop();
    } finally {
      await db.close();
    }
  });
  afterAll(async () => {
    await bq.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('exports every row the first time, creates the tables, then only what changed; --json reports per tenant', async () => {
    const first = await crm('analytics', 'export-bigquery', '--lag-seconds', '0');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`BigQuery ${PROJECT}:${DATASET}: rows changed since the last export up to`);
    expect(first.stdout).toContain(`  ${slug}: 3 contacts, 3 interactions`);
    expect(bq.table(PROJECT, DATASET, 'crm_contacts')!.rows.filter((r) => contactIds.includes(String(r.id)))).toHaveLength(3);
    expect(bq.table(PROJECT, DATASET, 'crm_interactions')!.rows.filter((r) => contactIds.includes(String(r.contact_id)))).toHaveLength(3);

    const second = await crm('analytics', 'export-bigquery', '--tenant', slug, '--lag-seconds', '0', '--json');
    expect(second.status, second.stderr).toBe(0);
    const report = JSON.parse(second.stdout) as { tenants: { slug: string; contacts: number; interactions: number }[]; failed: number };
    expect(report.tenants).toEqual([expect.objectContaining({ slug, contacts: 0, interactions: 0 })]);
    expect(report.failed).toBe(0);

    const full = await crm('analytics', 'export-bigquery', '--tenant', slug, '--full', '--lag-seconds', '0');
    expect(full.status, full.stderr).toBe(0);
    expect(full.stdout).toContain(`full export up to`);
    expect(full.stdout).toContain(`  ${slug}: 3 contacts, 3 interactions`);
    // same insertIds: the double (like BigQuery within its window) keeps one copy
    expect(bq.table(PROJECT, DATASET, 'crm_contacts')!.rows.filter((r) => contactIds.includes(String(r.id)))).toHaveLength(3);
  });

  it('says clearly when BigQuery fails, and exits 69', async () => {
    bq.failNext(403, 10, 'Access Denied: Dataset acme-crm-test:crm_analytics: Permission bigquery.tables.get denied');
    const denied = await crmAsync({ ...env(), BIGQUERY_DATASET: 'other_dataset' }, ['analytics', 'export-bigquery']);
    bq.failNext(200, 0);
    expect(denied.status).toBe(69);
    expect(denied.stderr).toMatch(/BigQuery denied access to acme-crm-test:other_dataset \(HTTP 403 accessDenied: Access Denied.*roles\/bigquery\.dataEditor/);
  });

  it.each([
    [['analytics'], 64, /action: must be "export-bigquery"/], // a missing action is bad usage
    [['analytics', 'export-bigquery', '--lag-seconds', 'soon'], 65, /lag-seconds: must be a whole number of seconds/],
    [['analytics', 'export-bigquery', '--tenant', 'nope'], 65, /tenant: no tenant with the slug "nope"/],
  ] as const)('refuses bad input: %j', async (args, code, message) => {
    const r = await crm(...args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('tells how to switch it on when BIGQUERY_DATASET is not set, and checks the variables', () => {
    const off = spawnSync(process.execPath, [BIN, 'analytics', 'export-bigquery'], { env: base(), encoding: 'utf8', timeout: 240_000 });
    expect(off.status).toBe(65);
    expect(off.stderr).toMatch(/BIGQUERY_DATASET: is not set/);
    const bad = spawnSync(process.execPath, [BIN, 'analytics', 'export-bigquery'], { env: { ...base(), BIGQUERY_DATASET: 'bad-name!', BIGQUERY_EXPORT_MINUTES: '-1' }, encoding: 'utf8', timeout: 240_000 });
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/BIGQUERY_DATASET: must be a BigQuery dataset id/);
    expect(bad.stderr).toMatch(/BIGQUERY_EXPORT_MINUTES: must be 0 \(off\) or more/);
  });
});
