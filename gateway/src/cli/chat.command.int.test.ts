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

  it('streams a cited answer with step events', () => {
    const r = crm('chat', '--message', 'Who are my hottest leads and why?');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('→ scoring agent');
    expect(r.stdout).toMatch(/\[crm:\/\/contacts\/[0-9a-f-]{36}\]/);
  });

  it('rejects an empty message with the field named', () => {
    const r = crm('chat', '--message', ' ');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/message/);
  });
});
