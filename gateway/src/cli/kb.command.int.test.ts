import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

describe('crm kb on the embedded database', () => {
  let dir: string;
  const env = () => ({ ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn' });
  const crm = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 240_000 });

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-kb-'));
    fs.mkdirSync(path.join(dir, 'docs/sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'docs/retainers.md'), '# Retainers\n\n## Pausing\n\nA retainer can be paused for up to two months a year at no cost.\n');
    fs.writeFileSync(path.join(dir, 'docs/sub/notes.txt'), 'Kickoff notes\n\nThe kickoff workshop takes ninety minutes and covers goals, access and reporting.\n');
    fs.writeFileSync(path.join(dir, 'docs/empty.html'), '');
    fs.writeFileSync(path.join(dir, 'docs/ignored.csv'), 'a,b\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('seeds the demo tenant with its knowledge base', () => {
    const r = crm('seed', '--demo', '--contacts', '20');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/knowledge base: \d+ documents/);
  });

  it('adds a directory (bad files reported, the rest stored) and is idempotent', () => {
    const r = crm('kb', 'add', path.join(dir, 'docs'), '--json');
    expect(r.status).toBe(1);
    const results = JSON.parse(r.stdout) as { filename: string; status: string; error?: string }[];
    expect(results.map((x) => [x.filename, x.status])).toEqual([
      ['empty.html', 'failed'],
      ['retainers.md', 'created'],
      ['sub/notes.txt', 'created'],
    ]);
    expect(results[0].error).toMatch(/empty/);
    const again = crm('kb', 'add', path.join(dir, 'docs/retainers.md'));
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/unchanged\s+retainers\.md/);
  });

  it('searches with citations, as JSON and as text', () => {
    const r = crm('kb', 'search', 'can', 'we', 'pause', 'the', 'retainer?', '--json', '--k', '3');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ mode: 'hybrid', vectorSearch: 'used' });
    expect(res.results).toHaveLength(3);
    expect(res.results.some((x: { source: string; passage: string }) => x.source === 'retainers.md' && x.passage.includes('paused for up to two months'))).toBe(true);
    const text = crm('kb', 'search', 'What does the SEO Growth package cost?', '--user', 'marcus.reid@brightwave.example');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^1\. .+\[crm:\/\/kb\/[0-9a-f-]{36}\]/m);
    expect(text.stdout).toContain('£1,400');
  });

  it('KB_QUERY_SYNONYMS=on: full-text search also finds a passage that has only a WordNet synonym of the query word', () => {
    fs.mkdirSync(path.join(dir, 'synonyms'));
    fs.writeFileSync(path.join(dir, 'synonyms/parking.md'), '# Parking\n\nVisiting clients can leave the car in bay 4 of the courtyard.\n');
    expect(crm('kb', 'add', path.join(dir, 'synonyms')).status).toBe(0);
    const search = (synonyms: string) =>
      spawnSync(process.execPath, [BIN, 'kb', 'search', 'automobile?', '--mode', 'fulltext', '--type', 'document', '--json'], {
        env: { ...env(), KB_QUERY_SYNONYMS: synonyms },
        encoding: 'utf8',
        timeout: 240_000,
      });
    const off = search('off');
    expect(off.status).toBe(0);
    expect(JSON.parse(off.stdout).results.map((x: { source: string }) => x.source)).not.toContain('parking.md');
    const on = search('on');
    expect(on.stderr).toBe('');
    expect(on.status).toBe(0);
    // automobile → car (WordNet's first sense)
    const [first] = JSON.parse(on.stdout).results as { source: string; passage: string }[];
    expect(first.source).toBe('parking.md');
    expect(first.passage).toContain('car in bay 4');
    const bad = search('maybe');
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/KB_QUERY_SYNONYMS/);
  });

  it('KB_FUSION_WEIGHTS weighs hybrid search: all weight on full text gives the full-text order', () => {
    const search = (extra: Record<string, string>) => {
      const r = spawnSync(process.execPath, [BIN, 'kb', 'search', 'how', 'long', 'is', 'the', 'notice', 'period', 'for', 'a', 'retainer', '--type', 'document', '--k', '5', '--json'], {
        env: { ...env(), KB_RERANK: 'off', ...extra },
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      return (JSON.parse(r.stdout).results as { ranks: { fulltext: number | null; vector: number | null } }[]).map((x) => x.ranks);
    };
    const textOnly = search({ KB_FUSION_WEIGHTS: '1,0' });
    const fullTextRanks = textOnly.map((r) => r.fulltext);
    expect(fullTextRanks.every((r) => r !== null)).toBe(true);
    expect([...fullTextRanks].sort((a, b) => a! - b!)).toEqual(fullTextRanks);
    const vectorOnly = search({ KB_FUSION_WEIGHTS: '0,1' });
    const vectorRanks = vectorOnly.map((r) => r.vector);
    expect(vectorRanks.every((r) => r !== null)).toBe(true);
    expect([...vectorRanks].sort((a, b) => a! - b!)).toEqual(vectorRanks);
    const bad = spawnSync(process.execPath, [BIN, 'kb', 'search', 'x'], { env: { ...env(), KB_FUSION_WEIGHTS: '0.4' }, encoding: 'utf8', timeout: 240_000 });
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/KB_FUSION_WEIGHTS.*two numbers/);
  });

  it.each([
    [['kb'], 64, /add FILE\|DIR/],
    [['kb', 'add', '/nonexistent/dir'], 66, /File not found/],
    [['kb', 'search', 'x', '--k', '0'], 65, /--k/],
  ])('%j fails with one clear line and exit code %i', (args, code, message) => {
    const r = crm(...(args as string[]));
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
