import type { EntityManager } from '@mikro-orm/postgresql';

// Blocking keys are stored generated columns (migration 0270), so every rule is text equality,
// which row-level security lets the planner turn into an index probe. A key shared by more
// contacts than its cap is not evidence (a block of 500 "John Smith"s, a role address such as
// sales@): it yields no candidates and adds no weight.
export const BLOCK_CAP = { name: 25, phone: 10, email: 10 } as const;
export type BlockKey = keyof typeof BLOCK_CAP;

/** Runs `fn` in one short tenant transaction; PGlite serves one transaction at a time. */
export type TenantTx = <T>(fn: (em: EntityManager) => Promise<T>) => Promise<T>;

// On PGlite a key pass walks the key's index in ranges of this many entries, one short transaction
// per range (a whole pass over 100k contacts held the embedded database for ~0.5 s). With 10,000 a
// name range (every contact has a name; its members carry their company key) took 30-75 ms at 100k
// under load 8 and up to ~290 ms under load 9-12; 5,000 halves that for ~20 more turns per scan.
export const KEY_RANGE_ENTRIES = 5_000;

/**
 * The members of one block within its cap. For the name key also each member's company key
 * (`companies[i]` belongs to `ids[i]`): the name tiers need it and the name index covers it.
 */
export interface Block {
  ids: string[];
  companies?: (string | null)[];
}

/**
 * The statement that groups the entries of key `k` matching `where` into the blocks within the cap
 * (members' ids, and for names their company keys: one pass of the aggregates over a group sees its
 * rows in one order, so ids[i] and companies[i] belong together). Name blocks in key order.
 */
function groupSql(k: BlockKey, where: string): string {
  const names = k === 'name';
  const select = names ? 'array_agg(id)::text[] AS ids, array_agg(dup_company)::text[] AS companies' : 'array_agg(id)::text[] AS ids';
  return `SELECT ${select} FROM contacts WHERE ${where} GROUP BY dup_${k} HAVING count(*) BETWEEN 2 AND ${BLOCK_CAP[k]}${names ? ` ORDER BY dup_${k}` : ''}`;
}

// One pass of a key's index on a server: the GROUP BY finds the keys of the blocks within the cap
// from counts alone, and a LATERAL probe per such key lists its members. Building an array for
// every group, most of them single contacts, cost more than the pass (phone 70 -> 58 ms, e-mail 98
// -> 61 ms, median of 10 at 100k under load 3-5); LATERAL keeps the plan a probe per key whatever
// the planner guesses about the HAVING (a join let it hash the whole table instead).
const members = (k: BlockKey) =>
  `CROSS JOIN LATERAL (SELECT array_agg(c.id)::text[] AS ids${k === 'name' ? ', array_agg(c.dup_company)::text[] AS companies' : ''} FROM contacts c WHERE c.dup_${k} = g.k) m`;

/**
 * The blocks within the cap of the phone and the e-mail key, each from one pass over its index, in
 * one statement (a server): one round trip and one plan instead of two.
 */
export async function strongBlocksInOnePass(tx: TenantTx): Promise<Record<'phone' | 'email', Block[]>> {
  const pass = (k: 'phone' | 'email') =>
    `SELECT '${k}' AS key, m.ids FROM (SELECT dup_${k} AS k FROM contacts WHERE dup_${k} IS NOT NULL GROUP BY dup_${k} HAVING count(*) BETWEEN 2 AND ${BLOCK_CAP[k]}) g ${members(k)}`;
  const rows = await tx((em) => em.execute<{ key: 'phone' | 'email'; ids: string[] }[]>(`${pass('phone')} UNION ALL ${pass('email')}`));
  const out: Record<'phone' | 'email', Block[]> = { phone: [], email: [] };
  for (const r of rows) out[r.key].push({ ids: r.ids });
  return out;
}

/**
 * What the name tiers need from the name index, from one pass on a server: `sameCompany`, the
 * blocks within the cap with a company missing or repeated (the second tier's pairs all lie in
 * them), in no particular order; `rarest()`, the first `nameBlocks` blocks at two or more companies
 * by size then key (the third tier's), in key order: the pass finds their keys, their members are
 * read only when that tier runs. At 100k contacts that is ~900 + 2,000 of ~28,000 blocks: reading
 * all of them into the client took 261-339 ms of a 530-600 ms scan (load ~3), and reading the third
 * tier's members in the pass ~40 ms more when that tier never runs.
 */
export interface NameTierBlocks {
  sameCompany: Block[];
  rarest: () => Promise<Block[]>;
}
export async function nameTierBlocks(tx: TenantTx, nameBlocks: number): Promise<NameTierBlocks> {
  const sql = `WITH g AS (SELECT dup_name AS k, count(*) AS n,
      count(dup_company) < count(*) OR count(DISTINCT dup_company) < count(dup_company) AS same_co,
      count(DISTINCT dup_company) >= 2 AS other_co
    FROM contacts WHERE dup_name IS NOT NULL GROUP BY dup_name HAVING count(*) BETWEEN 2 AND ${BLOCK_CAP.name})
  (SELECT g.k, m.ids, m.companies FROM (SELECT k FROM g WHERE same_co) g ${members('name')})
  UNION ALL
  (SELECT k, NULL, NULL FROM g WHERE other_co ORDER BY n, k LIMIT ?)`;
  const rows = await tx((em) => em.execute<(Block & { k: string; ids: string[] | null })[]>(sql, [Math.max(0, Math.trunc(nameBlocks))]));
  const sameCompany = rows.filter((r) => r.ids !== null).map((r) => ({ ids: r.ids!, companies: r.companies }));
  const keys = rows.filter((r) => r.ids === null).map((r) => r.k);
  // A later statement (its own snapshot under READ COMMITTED): the cap is checked again, and
  // otherCompaniesPairs checks the companies again.
  const rarest = async () =>
    keys.length === 0
      ? []
      : tx((em) =>
          em.execute<Block[]>(
            `SELECT array_agg(c.id)::text[] AS ids, array_agg(c.dup_company)::text[] AS companies FROM contacts c
             WHERE c.dup_name = ANY (ARRAY(SELECT jsonb_array_elements_text(?::jsonb))) GROUP BY c.dup_name HAVING count(*) BETWEEN 2 AND ${BLOCK_CAP.name} ORDER BY c.dup_name`,
            [JSON.stringify(keys)],
          ),
        );
  return { sameCompany, rarest };
}

/**
 * The blocks within the cap of one key, range by range, in the key's index order: each step finds
 * the key `rangeEntries` entries further on (its own statement), then groups the keys in
 * [lower, that key) — a block never straddles two ranges. A key shared by a whole range's worth of
 * entries is read on its own (up to its cap + 1). Name blocks come in the order of their key (the
 * column's collation, as an `ORDER BY dup_name` in one statement would give them).
 */
export async function blocksInRanges(tx: TenantTx, k: BlockKey, rangeEntries = KEY_RANGE_ENTRIES): Promise<Block[]> {
  const col = `dup_${k}`;
  const names = k === 'name';
  const out: Block[] = [];
  let lower: string | null = null;
  for (;;) {
    const from: string = lower === null ? `${col} IS NOT NULL` : `${col} >= ?`;
    const fromParams: string[] = lower === null ? [] : [lower];
    const [next]: { k: string }[] = await tx((em) => em.execute<{ k: string }[]>(`SELECT ${col} AS k FROM contacts WHERE ${from} ORDER BY ${col} OFFSET ? LIMIT 1`, [...fromParams, rangeEntries]));
    const upper: string | null = next?.k ?? null;
    if (upper !== null && upper === lower) {
      // a range's worth of entries share `lower`: that block alone (read no further than its cap),
      // then on from the next key
      const key: string = lower;
      const members = await tx((em) =>
        em.execute<{ id: string; company: string | null }[]>(`SELECT id, ${names ? 'dup_company' : 'NULL'} AS company FROM contacts WHERE ${col} = ? LIMIT ?`, [key, BLOCK_CAP[k] + 1]),
      );
      if (members.length >= 2 && members.length <= BLOCK_CAP[k]) {
        out.push(names ? { ids: members.map((m) => m.id), companies: members.map((m) => m.company) } : { ids: members.map((m) => m.id) });
      }
      const [after]: { k: string | null }[] = await tx((em) => em.execute<{ k: string | null }[]>(`SELECT min(${col}) AS k FROM contacts WHERE ${col} > ?`, [key]));
      if (after?.k == null) break;
      lower = after.k;
      continue;
    }
    const range = upper === null ? from : `${from} AND ${col} < ?`;
    const params: string[] = upper === null ? fromParams : [...fromParams, upper];
    out.push(...(await tx((em) => em.execute<Block[]>(groupSql(k, range), params))));
    if (upper === null) break;
    lower = upper;
  }
  return out;
}
