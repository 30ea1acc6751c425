import { BLOCK_CAP, blocksInRanges, strongBlocksInOnePass, KEY_RANGE_ENTRIES, nameTierBlocks, type Block, type NameTierBlocks, type TenantTx } from './contact-duplicate-blocks.ts';
import type { Contact } from './contact.schema.ts';

export interface DuplicatePair {
  a: Pick<Contact, 'id' | 'firstName' | 'lastName' | 'email' | 'company' | 'phone'>;
  b: DuplicatePair['a'];
  score: number;
  reasons: string[];
}

// Evidence weights of a pair; the trigram similarity of the whole haystack adds up to SIM_WEIGHT.
// A shared email name or phone is strong, a shared name weak, a shared company only a modifier:
// every pair sharing a contact key outranks every pair that shares only a name and company
// (name + company + SIM_WEIGHT < phone or email), so same-name strangers rank below them, and the
// whole-tenant scan need not look at names at all once the shared keys fill the limit.
const W = { email: 0.5, phone: 0.5, name: 0.15, company: 0.1 } as const;
const SIM_WEIGHT = 0.2;
// Whole-tenant scan: similarity is computed only for pairs whose evidence can still reach the
// top `limit` (evidence + SIM_WEIGHT >= the limit-th best evidence), and for at most this many;
// of the blocks of a name at different companies it reads at most this many, rarest names first.
export const SIMILARITY_CAP = 2000;

const PAIR_COLUMNS = `a.id AS a_id, a.first_name AS a_first, a.last_name AS a_last, a.email AS a_email, a.company AS a_company, a.phone AS a_phone,
  b.id AS b_id, b.first_name AS b_first, b.last_name AS b_last, b.email AS b_email, b.company AS b_company, b.phone AS b_phone,
  a.dup_name = b.dup_name AS same_name, coalesce(a.dup_company = b.dup_company, false) AS same_company,
  coalesce(a.dup_phone = b.dup_phone, false) AS same_phone, coalesce(a.dup_email = b.dup_email, false) AS same_email`;

const KEYS = ['name', 'phone', 'email'] as const;
const within = (k: (typeof KEYS)[number], t: string) =>
  `(SELECT count(*) FROM (SELECT 1 FROM contacts x WHERE x.dup_${k} = ${t}.dup_${k} LIMIT ${BLOCK_CAP[k] + 1}) s) <= ${BLOCK_CAP[k]}`;
/**
 * Evidence weight of pair (a, b): each shared key whose block is within its cap, plus the company.
 * `ok` may replace a key's block-size probe by what the caller already knows (the whole-tenant scan
 * knows which blocks within their caps a pair came from); the arithmetic stays identical.
 */
const evidence = (ok: Partial<Record<(typeof KEYS)[number], string>> = {}) => `(${KEYS.map(
  (k) => `(CASE WHEN a.dup_${k} = b.dup_${k} THEN CASE WHEN ${ok[k] ?? within(k, 'a')} THEN ${W[k]} ELSE 0 END ELSE 0 END)`,
).join(' + ')}
  + (CASE WHEN a.dup_company = b.dup_company THEN ${W.company} ELSE 0 END))::float8`;
const RANK = `(t.w + ${SIM_WEIGHT} * similarity(a.search_text, b.search_text)::float8)`;

// The first tier, a shared phone or email name: a pass per key over its covering index returns the
// members of the blocks within the cap; the pairs' evidence follows in chunks (STRONG_EVIDENCE_SQL).
const STRONG_KEYS = ['phone', 'email'] as const;
// The name tiers, from the name blocks within the cap (one pass over the name index on a server,
// range by range on PGlite; the same blocks either way). Second tier: the same name and the same
// company, or no company on one side — any pair here that shared a phone or email within its cap
// was found by the first tier, so only name and company count. Third: the same name at two
// different companies, nothing else shared, the weakest evidence (at most `nameBlocks` blocks,
// rarest names first). Their SQL definitions, which these must equal, are in the tests
// (contact-duplicates.int.test.ts); as statements the two tiers took 275 + 121 ms at 100k on the
// server (a hash join over the table, a distinct count per name), one pass of the index takes ~50.
const W_NAME = Number(W.name.toFixed(6));
const W_NAME_COMPANY = Number((W.name + W.company).toFixed(6));

/** Each pair (a.id < b.id) of a name block with both members' company keys. */
function* namePairs(blocks: Block[]): Generator<{ a: string; b: string; ca: string | null; cb: string | null }> {
  for (const { ids, companies = [] } of blocks) {
    const members = ids.map((id, i) => ({ id, company: companies[i] ?? null })).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) yield { a: members[i].id, b: members[j].id, ca: members[i].company, cb: members[j].company };
    }
  }
}

/** The second tier's pairs and evidence (name 0.15, + company 0.1). */
export function sameCompanyPairs(blocks: Block[]): Candidate[] {
  const out: Candidate[] = [];
  for (const p of namePairs(blocks)) {
    if (p.ca === null || p.cb === null) out.push({ a: p.a, b: p.b, w: W_NAME });
    else if (p.ca === p.cb) out.push({ a: p.a, b: p.b, w: W_NAME_COMPANY });
  }
  return out;
}

/** The third tier's pairs: blocks in key order, so blocks of equal size keep it (rarest first, then by name). */
export function otherCompaniesPairs(blocks: Block[], nameBlocks: number): Candidate[] {
  const chosen = blocks
    .filter((b) => new Set((b.companies ?? []).filter((c) => c !== null)).size >= 2)
    .sort((x, y) => x.ids.length - y.ids.length) // stable: equal sizes stay in key order
    .slice(0, nameBlocks);
  const out: Candidate[] = [];
  for (const p of namePairs(chosen)) if (p.ca !== null && p.cb !== null && p.ca !== p.cb) out.push({ a: p.a, b: p.b, w: W_NAME });
  return out;
}

const EVIDENCE_SQL = `SELECT t.a, t.b, ${evidence()} AS w
  FROM unnest(?::uuid[], ?::uuid[]) AS t(a, b) JOIN contacts a ON a.id = t.a JOIN contacts b ON b.id = t.b`;
const STRONG_EVIDENCE_SQL = `SELECT t.a, t.b, ${evidence({ phone: 't.phone_ok', email: 't.email_ok' })} AS w
  FROM unnest(?::uuid[], ?::uuid[], ?::bool[], ?::bool[]) AS t(a, b, phone_ok, email_ok) JOIN contacts a ON a.id = t.a JOIN contacts b ON b.id = t.b`;

// The chosen pairs, ranked: similarity only for these.
const RANK_SQL = `SELECT ${PAIR_COLUMNS}, ${RANK} AS rank
  FROM unnest(?::uuid[], ?::uuid[], ?::float8[]) AS t(a, b, w) JOIN contacts a ON a.id = t.a JOIN contacts b ON b.id = t.b
  ORDER BY rank DESC, a.id, b.id LIMIT ?`;

// One contact: an index probe per key from its row (keys within their caps); its pairs then get
// the same evidence and rank as the whole-tenant scan (SCORE_SQL). Two statements, so the pairs
// reach the scoring as an array the planner sizes right even before the table has statistics.
const CONTACT_SQL = `WITH c AS (SELECT id, dup_name, dup_phone, dup_email FROM contacts WHERE id = ?)
${KEYS.map((k) => `SELECT o.id FROM c JOIN contacts o ON o.dup_${k} = c.dup_${k} WHERE o.id <> c.id AND ${within(k, 'c')}`).join(' UNION ')}`;
const SCORE_SQL = `WITH t AS (${EVIDENCE_SQL})
SELECT ${PAIR_COLUMNS}, ${RANK} AS rank
FROM t JOIN contacts a ON a.id = t.a JOIN contacts b ON b.id = t.b
ORDER BY rank DESC, a.id, b.id LIMIT ?`;

/** A PostgreSQL array literal of uuids, numbers or booleans (never user text). */
const arr = (xs: (string | number | boolean)[]) => `{${xs.join(',')}}`;

type Candidate = { a: string; b: string; w: number };

/** The limit-th best evidence among `cands` (sorted descending), or -Infinity when there are fewer. */
const kth = (cands: Candidate[], limit: number) => (cands.length >= limit ? cands[limit - 1].w : -Infinity);

/** Pair order on ties, as the SQL's `ORDER BY …, a.id, b.id`. */
const byIds = (xa: string, xb: string, ya: string, yb: string) => (xa < ya ? -1 : xa > ya ? 1 : xb < yb ? -1 : xb > yb ? 1 : 0);

/** Runs `fn` over `list` in chunks of `size`, one after another, and concatenates the results. */
async function inChunks<T, R>(list: T[], size: number, fn: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < list.length; i += size) out.push(...(await fn(list.slice(i, i + size))));
  return out;
}

/**
 * How the whole-tenant scan divides its work: `chunk` pairs at most per evidence or ranking
 * statement; `ranges` set: every key pass (phone, email, name) walks its index in ranges of that
 * many entries, one short transaction each, else one statement per pass; `nameBlocks`: of the
 * blocks of a name at different companies at most this many (default SIMILARITY_CAP).
 */
export interface ScanSteps {
  chunk: number;
  ranges?: number;
  nameBlocks?: number;
}
// PGlite serves one transaction at a time: the scan goes as a series of short transactions (one per
// key range and per chunk of evidence and ranking), so other requests get their turn in between.
export const PGLITE_STEPS: ScanSteps = { chunk: 250, ranges: KEY_RANGE_ENTRIES };
// A server runs the scan in the caller's one transaction, one statement per key pass.
export const SERVER_STEPS: ScanSteps = { chunk: SIMILARITY_CAP };

async function strongPairs(tx: TenantTx, steps: ScanSteps): Promise<{ a: string; b: string; w: number | string }[]> {
  const pairs = new Map<string, { a: string; b: string; phone: boolean; email: boolean }>();
  const onePass = steps.ranges ? undefined : await strongBlocksInOnePass(tx);
  for (const key of STRONG_KEYS) {
    const blocks = onePass ? onePass[key] : await blocksInRanges(tx, key, steps.ranges);
    for (const { ids } of blocks) {
      const sorted = [...ids].sort();
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) {
          const k = `${sorted[i]},${sorted[j]}`;
          const p = pairs.get(k) ?? { a: sorted[i], b: sorted[j], phone: false, email: false };
          p[key] = true;
          pairs.set(k, p);
        }
      }
    }
  }
  return inChunks([...pairs.values()], steps.chunk, (chunk) => {
    const params = [arr(chunk.map((p) => p.a)), arr(chunk.map((p) => p.b)), arr(chunk.map((p) => p.phone)), arr(chunk.map((p) => p.email))];
    return tx((em) => em.execute<{ a: string; b: string; w: number | string }[]>(STRONG_EVIDENCE_SQL, params));
  });
}

type Row = { a: string; b: string; w: number | string };
type Ranked = Record<string, unknown>;

const byRank = (x: Ranked, y: Ranked) => Number(y.rank) - Number(x.rank) || byIds(x.a_id as string, x.b_id as string, y.a_id as string, y.b_id as string);

// The whole-tenant scan gathers candidates tier by tier, strongest first; tier pairs already found
// by an earlier tier keep that tier's (equal or higher) evidence. The candidates are the first
// SIMILARITY_CAP pairs by evidence (then ids), and the answer is the top `limit` of them by rank
// (evidence + SIM_WEIGHT × similarity). Similarity is computed lazily, in evidence order: a rank
// is at most its evidence + SIM_WEIGHT, so once `limit` pairs are ranked, a pair whose evidence
// + SIM_WEIGHT is below the limit-th rank so far cannot enter the top, nor can any pair after it,
// nor any later tier whose best evidence is that low. Only pairs whose place among the
// candidates is final are ranked: those with more evidence than the next tier can give. Both name
// tiers come from one pass (or one walk of ranges) over the name index.
async function tenantTop(tx: TenantTx, limit: number, steps: ScanSteps): Promise<Ranked[]> {
  const nameBlocks = steps.nameBlocks ?? SIMILARITY_CAP;
  // PGlite walks the whole name index in ranges for both tiers; a server reads the second tier's
  // blocks and the third tier's keys in one pass, and the third tier's members only if it runs.
  let walked: Promise<NameTierBlocks> | undefined;
  const names = () =>
    (walked ??= steps.ranges
      ? blocksInRanges(tx, 'name', steps.ranges).then((all) => ({ sameCompany: all, rarest: async () => all }))
      : nameTierBlocks(tx, nameBlocks));
  const tiers: { max: number; rows: () => Promise<Row[]> }[] = [
    { max: Infinity, rows: () => strongPairs(tx, steps) },
    { max: W.name + W.company, rows: async () => sameCompanyPairs((await names()).sameCompany) },
    { max: W.name, rows: async () => otherCompaniesPairs(await (await names()).rarest(), nameBlocks) },
  ];
  const seen = new Map<string, Candidate>();
  let sorted: Candidate[] = [];
  let top: Ranked[] = []; // the best `limit` ranked so far
  let next = 0; // sorted[next] is the next candidate to rank
  // The limit-th rank so far, or at least the limit-th evidence (those pairs rank at least that).
  const bar = () => Math.max(top.length >= limit ? Number(top[limit - 1].rank) : -Infinity, kth(sorted, limit));
  // Ranks the candidates whose evidence exceeds `above` (their place is final), chunk by chunk.
  const rankDownTo = async (above: number) => {
    const end = Math.min(sorted.length, SIMILARITY_CAP);
    // rank <= w + SIM_WEIGHT in float8 too (similarity <= 1), so `<` skips only pairs that cannot tie
    const due = (c: Candidate, floor: number) => c.w > above && c.w + SIM_WEIGHT >= floor;
    while (next < end && due(sorted[next], bar())) {
      const chunk: Candidate[] = [];
      const floor = bar();
      for (; next < end && chunk.length < steps.chunk && due(sorted[next], floor); next++) chunk.push(sorted[next]);
      const params = [arr(chunk.map((c) => c.a)), arr(chunk.map((c) => c.b)), arr(chunk.map((c) => c.w)), limit];
      const rows = await tx((em) => em.execute<Ranked[]>(RANK_SQL, params));
      top = [...top, ...rows].sort(byRank).slice(0, limit);
    }
  };
  for (const tier of tiers) {
    await rankDownTo(tier.max);
    if (tier.max + SIM_WEIGHT < bar()) break;
    const rows = await tier.rows();
    for (const r of rows) {
      const k = `${r.a},${r.b}`;
      if (!seen.has(k)) seen.set(k, { a: r.a, b: r.b, w: Number(r.w) });
    }
    sorted = [...seen.values()].sort((x, y) => y.w - x.w || byIds(x.a, x.b, y.a, y.b));
  }
  await rankDownTo(-Infinity);
  return top;
}

function side(r: Record<string, unknown>, p: 'a' | 'b'): DuplicatePair['a'] {
  return {
    id: r[`${p}_id`] as string,
    firstName: r[`${p}_first`] as string,
    lastName: r[`${p}_last`] as string,
    email: r[`${p}_email`] as string,
    company: (r[`${p}_company`] as string) ?? null,
    phone: (r[`${p}_phone`] as string) ?? null,
  };
}

function toPair(r: Record<string, unknown>): DuplicatePair {
  const reasons: string[] = [];
  if (r.same_name) reasons.push('same name');
  if (r.same_company) reasons.push('same company');
  if (r.same_phone) reasons.push('same phone');
  if (r.same_email) reasons.push('same email name at another domain');
  return { a: side(r, 'a'), b: side(r, 'b'), reasons, score: Math.round(Math.min(1, Number(r.rank)) * 100) / 100 };
}

/**
 * Likely duplicate pairs of the tenant, or of one contact; best first. `tx` runs one tenant
 * transaction (the caller's authorisation and tenant setting); `steps` divides a whole-tenant scan.
 */
export async function findDuplicatePairs(tx: TenantTx, q: { contactId?: string; limit: number }, steps: ScanSteps = PGLITE_STEPS): Promise<DuplicatePair[]> {
  if (q.contactId) {
    const id = q.contactId;
    return tx(async (em) => {
      const others = (await em.execute<{ id: string }[]>(CONTACT_SQL, [id])).map((r) => r.id);
      if (!others.length) return [];
      const [a, b] = [others.map((o) => (o < id ? o : id)), others.map((o) => (o < id ? id : o))];
      return (await em.execute<Record<string, unknown>[]>(SCORE_SQL, [arr(a), arr(b), q.limit])).map(toPair);
    });
  }
  return (await tenantTop(tx, q.limit, steps)).map(toPair);
}
