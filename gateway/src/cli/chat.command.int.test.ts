import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

describe('crm chat on the embedded demo database (offline planner)', () => {
  let dir: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 280_000 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-chat-'));
    const seeded = crm('seed', '--demo', '--contacts', '20');
    expect(seeded.status, seeded.stderr).toBe(0);
    expect(seeded.stdout).toMatch(/lead scoring: .*; 20 contacts scored in \d+ s/);
  }, 300_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers one turn as JSON with the answer, citations and tool calls', () => {
    const r = crm('chat', '--message', 'How many contacts are in the CRM?', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: string; citations: string[]; toolCalls: { tool: string; ok: boolean }[]; offline: boolean };
    expect(out.offline).toBe(true);
    expect(out.answer).toMatch(/^\[offline\] 20 contact\(s\)/);
    expect(out.toolCalls).toEqual([expect.objectContaining({ tool: 'search_contacts', ok: true })]);
  });

  it('answers a knowledge question through the research graph: JSON shows its steps and the crm://kb citation', () => {
    const r = crm('chat', '--message', 'what does the onboarding package include?', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { answer: string; citations: string[]; toolCalls: { tool: string }[]; steps: { type: string; step?: string }[] };
    expect(out.steps[0]).toEqual({ type: 'agent', agent: 'research' });
    expect(out.steps.filter((s) => s.type === 'research').map((s) => s.step)).toEqual(expect.arrayContaining(['decide', 'rewrite', 'retrieve', 'grade', 'answer']));
    expect(out.toolCalls.every((c) => c.tool === 'search_knowledge')).toBe(true);
    // the demo tenant's call notes are indexed too: a note may be cited beside the document
    expect(out.citations.some((c) => c.startsWith('crm://kb/')), out.answer).toBe(true);
    expect(out.citations.every((c) => /^crm:\/\/(kb|interactions)\//.test(c)), out.answer).toBe(true);
  });

  it('streams a cited answer with step events, on scores the seed computed', () => {
    // `crm seed` scored nothing (only `crm start` or `crm scoring rescore` did): the hottest-leads
    // answer said no lead had a score yet; the seed now trains and scores as the first start does
    const r = crm('chat', '--message', 'Who are my hottest leads and why?');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('None of your open leads has a lead score yet');
    expect(r.stderr).toContain('→ scoring agent');
    expect(r.stdout).toMatch(/\[crm:\/\/contacts\/[0-9a-f-]{36}\]/);
  });

  /** The first exported contact: its email and status. */
  function firstContact(): { email: string; status: string } {
    const exported = crm('export', 'contacts', '-');
    expect(exported.status, exported.stderr).toBe(0);
    const [header, row] = exported.stdout.split('\n');
    const cells = row.split(',');
    const at = (name: string) => cells[header.split(',').indexOf(name)];
    return { email: at('email'), status: at('status') };
  }

  it('takes a conversation piped on stdin: an approval answered by the next line, then more turns (was "readline was closed", exit 70)', () => {
    const contact = firstContact();
    const target = contact.status === 'INACTIVE' ? 'PROSPECT' : 'INACTIVE';
    const input = `Mark ${contact.email} as ${target.toLowerCase()}\ny\nWho is ${contact.email}?\n`;
    const r = spawnSync(process.execPath, [BIN, 'chat'], { env: env(), encoding: 'utf8', timeout: 280_000, input });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Approve change_contact_status .*\? \[y\/N\] /);
    expect(r.stdout).toMatch(new RegExp(`is now ${target}`));
    expect(r.stdout).toMatch(new RegExp(`<${contact.email.replace(/[.]/g, '\\.')}>.*status ${target}`));
  });

  it('rejects a pending action when input ends before an answer', () => {
    const contact = firstContact();
    const r = spawnSync(process.execPath, [BIN, 'chat'], { env: env(), encoding: 'utf8', timeout: 280_000, input: `Mark ${contact.email} as a customer\n` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('(no answer: rejected)');
  });

  it('rejects an empty message with the field named', () => {
    const r = crm('chat', '--message', ' ');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/message/);
  });
});
