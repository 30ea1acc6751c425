import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/crm.js');

// A question of the demo KB's TUNING part (Q59 in core/demo-kb/questions.json, split tune) that the hashed
// n-gram embedder does not place in its top 5 documents and the Universal Sentence Encoder does
// (evals/src/knowledge/eval-quality.ts --embedder use; README "An offline embedding model shipped in a package").
const QUESTION = 'How do I respond when a lead complains we are too pricey?';
const ANSWER_SOURCE = 'sales/objections/price-too-high.md';

// re-embedding the demo tenant with USE took ~3 min on the 2-core machine at load average 15
describe('CRM_LOCAL_EMBEDDER=use: the packaged Universal Sentence Encoder through crm kb', { timeout: 900_000 }, () => {
  let dir: string;
  const crm = (embedder: 'hashed' | 'use', ...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      env: { ...process.env, CRM_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: '', LOG_LEVEL: 'warn', CRM_MODEL_PROVIDER: 'local', CRM_LOCAL_EMBEDDER: embedder },
      encoding: 'utf8',
      timeout: 900_000,
    });
  const vectorSources = (embedder: 'hashed' | 'use') => {
    const r = crm(embedder, 'kb', 'search', QUESTION, '--mode', 'vector', '--type', 'document', '--k', '5', '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const res = JSON.parse(r.stdout) as { vectorSearch: string; results: { source: string }[] };
    expect(res.vectorSearch).toBe('used');
    return res.results.map((x) => x.source);
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-kb-use-'));
    fs.mkdirSync(path.join(dir, 'docs'));
    fs.writeFileSync(path.join(dir, 'docs/parking.md'), '# Parking\n\nVisiting clients can leave the car in bay 4 of the courtyard.\n');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the hashed embedder (default) misses the answer in its top 5', () => {
    const seed = crm('hashed', 'seed', '--demo', '--contacts', '3');
    expect(seed.status).toBe(0);
    expect(vectorSources('hashed')).not.toContain(ANSWER_SOURCE);
  });

  it('after switching, the next write re-embeds the tenant with USE, which finds it', () => {
    const add = crm('use', 'kb', 'add', path.join(dir, 'docs'));
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect(vectorSources('use').slice(0, 3)).toContain(ANSWER_SOURCE);
  });

  it('switching back re-embeds with the hashed embedder again: vectors of one model are never searched with the other', () => {
    fs.writeFileSync(path.join(dir, 'docs/parking.md'), '# Parking\n\nVisiting clients can leave the car in bay 5 of the courtyard.\n');
    expect(crm('hashed', 'kb', 'add', path.join(dir, 'docs')).status).toBe(0);
    expect(vectorSources('hashed')).not.toContain(ANSWER_SOURCE);
  });
});
