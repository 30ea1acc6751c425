import fs from 'node:fs';
import { AppError, readKnowledgeFiles, SEARCH_MODES, type BulkAddResult, type KnowledgeSearchResponse } from '@crm/core';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';
import { progressBar } from './progress.ts';

const USAGE = 'crm kb add FILE|DIR | search QUERY [--k N] [--mode hybrid|fulltext|vector] [--type document|interaction] [--json] [--user EMAIL]';

function invalid(message: string, path: string, reason: string): AppError {
  return new AppError('VALIDATION_FAILED', message, { details: [{ path, reason }] });
}

function printAdded(results: BulkAddResult[], json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    process.stdout.write(r.status === 'failed' ? `  failed     ${r.filename}: ${r.error}\n` : `  ${r.status.padEnd(10)} ${r.filename} (${r.chunks} chunks)\n`);
  }
  const n = (s: string) => results.filter((r) => r.status === s).length;
  process.stdout.write(`Added ${n('created')}, updated ${n('updated')}, unchanged ${n('unchanged')}, failed ${n('failed')}.\n`);
}

function printResults(res: KnowledgeSearchResponse, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
    return;
  }
  if (res.warning) process.stderr.write(`warning: ${res.warning}\n`);
  if (!res.results.length) process.stdout.write(`No results for "${res.query}".\n`);
  res.results.forEach((r, i) => {
    const passage = r.passage.replace(/\s+/g, ' ').trim();
    process.stdout.write(`${i + 1}. ${r.title} — ${r.heading}  [${r.uri}]\n`);
    process.stdout.write(`   ${passage.length > 300 ? `${passage.slice(0, 297)}…` : passage}\n`);
  });
}

async function kbAdd(positionals: string[], values: Record<string, unknown>, logger: Parameters<typeof bootCore>[0]): Promise<number> {
  const target = positionals[1];
  if (!target) throw invalid('Missing FILE or DIR: "npx crm kb add FILE|DIR"', 'file', 'required');
  fs.statSync(target); // a missing path fails here with one clear line, before the database opens
  const files = await readKnowledgeFiles(target);
  if (!files.length) throw invalid(`No supported documents (.md, .txt, .html, .pdf) under ${target}`, 'file', 'no documents');
  const booted = await bootCore(logger);
  try {
    const actor = await resolveCliActor(booted.core, values);
    const bar = progressBar('kb add', files.length);
    const results = await booted.core.knowledge.addDocuments(actor, files, { onProgress: (done) => bar.update(done) });
    bar.stop();
    if (files.length === 1 && results[0].status === 'failed') throw new AppError('VALIDATION_FAILED', `${results[0].filename}: ${results[0].error}`);
    printAdded(results, values.json === true);
    return results.some((r) => r.status === 'failed') ? 1 : 0;
  } finally {
    await booted.close();
  }
}

async function kbSearch(positionals: string[], values: Record<string, unknown>, logger: Parameters<typeof bootCore>[0]): Promise<number> {
  const query = positionals.slice(1).join(' ').trim();
  if (!query) throw invalid('Missing QUERY: "npx crm kb search QUERY"', 'query', 'required');
  const k = values.k === undefined ? 5 : Number(values.k);
  if (!Number.isInteger(k) || k < 1 || k > 50) throw invalid('--k must be a whole number from 1 to 50', 'k', 'out of range');
  const mode = (values.mode as string | undefined) ?? 'hybrid';
  if (!SEARCH_MODES.includes(mode as never)) throw invalid(`--mode must be one of ${SEARCH_MODES.join(', ')}`, 'mode', 'invalid');
  const booted = await bootCore(logger);
  try {
    const actor = await resolveCliActor(booted.core, values);
    const res = await booted.core.knowledge.search(actor, { query, k, mode, ...(values.type ? { types: [values.type] } : {}) });
    printResults(res, values.json === true);
    return 0;
  } finally {
    await booted.close();
  }
}

export const kbCommand: Command = {
  summary: 'Knowledge base: add documents (Markdown, text, HTML, PDF) and search them with citations',
  usage: USAGE,
  options: { ...ACTOR_OPTIONS, json: { type: 'boolean' }, k: { type: 'string' }, mode: { type: 'string' }, type: { type: 'string' } },
  async run({ positionals, values, logger }) {
    const sub = positionals[0];
    if (sub === 'add') return kbAdd(positionals, values, logger);
    if (sub === 'search') return kbSearch(positionals, values, logger);
    throw invalid(`Say what to do: "npx crm kb add FILE|DIR" or "npx crm kb search QUERY"`, 'subcommand', `must be add or search, got ${sub ?? 'nothing'}`);
  },
};
