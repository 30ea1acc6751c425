import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { blocksInRanges, nameTierBlocks, strongBlocksInOnePass, BLOCK_CAP as DUPLICATE_BLOCK_CAP, type TenantTx } from './contact-duplicate-blocks.ts';
import { findDuplicatePairs, otherCompaniesPairs, sameCompanyPairs, SERVER_STEPS } from './contact-duplicates.ts';
import { databaseOf } from '../db/database-handle.ts';
import { silentLogger } from '../logger.ts';
import { createRandom } from '../scoring/ml/random.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Ines', 'Kai', 'Yuki', 'Ravi', 'Lena', 'Hugo', 'Sara', 'Theo', 'Nina'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Khan', 'Muller', 'Rossi', 'Silva', 'Kowalski', 'Tanaka', 'Okafor', 'Dubois', 'Larsen', 'Novak'];

// The name tiers' definitions in SQL (how the scan ran them until one pass over the name index
// served both): the same name within the cap with the same company or none on one side (name 0.15,
// + company 0.1); the same name at two different companies, at most `n` blocks, rarest names first.
const nameBlocksSql = (having: string) =>
  `SELECT dup_name AS k FROM contacts WHERE dup_name IS NOT NULL GROUP BY 1 HAVING count(*) BETWEEN 2 AND ${DUPLICATE_BLOCK_CAP.name}${having}`;
const namePairsSql = (w: string) => `SELECT a.id AS a, b.id AS b, ${w} AS w FROM n JOIN contacts a ON a.dup_name = n.k JOIN contacts b ON b.dup_name = n.k AND a.id < b.id`;
const SAME_COMPANY_SQL = `WITH n AS (${nameBlocksSql(' AND (count(dup_company) < count(*) OR count(DISTINCT dup_company) < count(dup_company))')})
  ${namePairsSql('(0.15 + CASE WHEN a.dup_company = b.dup_company THEN 0.1 ELSE 0 END)::float8')}
  WHERE a.dup_company IS NULL OR b.dup_company IS NULL OR a.dup_company = b.dup_company`;
const otherCompaniesSql = (n: number) => `WITH n AS (${nameBlocksSql(' AND count(DISTINCT dup_company) >= 2')} ORDER BY count(*), 1 LIMIT ${n})
  ${namePairsSql('(0.15)::float8')} WHERE a.dup_company <> b.dup_company`;

// Every pair sharing a key within its cap, with its full evidence (a key counts only within its
// cap; company 0.1) plus 0.2 x similarity, best first: what the whole-tenant scan must return when
// neither SIMILARITY_CAP nor the cap on name blocks binds.
const within = (k: string) => `(SELECT count(*) FROM contacts x WHERE x.dup_${k} = a.dup_${k}) <= ${DUPLICATE_BLOCK_CAP[k as keyof typeof DUPLICATE_BLOCK_CAP]}`;
const shared = (k: string) => `(a.dup_${k} = b.dup_${k} AND ${within(k)})`;
const EVERY_PAIR_RANKED_SQL = `SELECT a, b, score FROM (
  SELECT a.id AS a, b.id AS b,
    (CASE WHEN ${shared('name')} THEN 0.15 ELSE 0 END + CASE WHEN ${shared('phone')} THEN 0.5 ELSE 0 END
     + CASE WHEN ${shared('email')} THEN 0.5 ELSE 0 END + CASE WHEN a.dup_company = b.dup_company THEN 0.1 ELSE 0 END)::float8
     + 0.2 * similarity(a.search_text, b.search_text)::float8 AS score
  FROM contacts a JOIN contacts b ON a.id < b.id
  WHERE ${shared('name')} OR ${shared('phone')} OR ${shared('email')}) p
  ORDER BY score DESC, a, b`;

/** Generated contacts with planted duplicates (another email domain, a reformatted phone, a re-typed name). */
describe.each(testDbKinds())('duplicate detection by blocking keys on %s', (kind) => {
  let t: TestDatabase;
  let core: CrmCore;
  let f: TenantFixture;
  const planted = new Set<string>();

  beforeAll(async () => {
    t = await openTestDatabase(kind);
    core = createCrmCore({ db: t.db, logger: silentLogger() });
    f = await createTenantFixture(core);
    const r = createRandom(11);
    const used = new Set<string>();
    const originals = [];
    for (let i = 0; originals.length < 120; i++) {
      const first = FIRST[Math.floor(r() * FIRST.length)];
      const last = LAST[Math.floor(r() * LAST.length)];
      if (used.has(`${first} ${last}`)) continue; // distinct people get distinct names here
      used.add(`${first} ${last}`);
      const phone = `+1 555 ${String(1000000 + i * 7919).slice(0, 7)}`;
      originals.push(await core.contacts.create(f.manager, { firstName: first, lastName: last, email: `${first}.${last}${i}@corp${i}.example`.toLowerCase(), phone, company: `Co ${i}` }));
    }
    for (const [k, o] of originals.slice(0, 24).entries()) {
      const variant = k % 3;
      const dup = await core.contacts.create(f.manager, {
        firstName: variant === 2 ? o.firstName.toUpperCase() : `X${k}`,
        lastName: variant === 2 ? o.lastName : `Y${k}`,
        email: variant === 0 ? `${o.email.split('@')[0]}@gmail.example` : `other${k}@elsewhere.example`,
        phone: variant === 1 ? o.phone!.replace(/\s/g, '-') : undefined,
      });
      planted.add([o.id, dup.id].sort().join());
    }
  });
  afterAll(async () => {
    await core.outbox.stop();
    await t.drop();
  });

  it('finds the planted duplicates (recall) and little else (precision)', async () => {
    const pairs = await core.merge.findDuplicates(f.manager, { limit: 200 });
    const found = new Set(pairs.map((p) => [p.a.id, p.b.id].sort().join()));
    const hits = [...planted].filter((p) => found.has(p)).length;
    const recall = hits / planted.size;
    const precision = found.size ? hits / found.size : 0;
    expect(recall).toBe(1);
    expect(precision).toBe(1);
  });

  it('walks a key index range by range (PGlite) to the same blocks as one pass; the server\'s pass finds them too', async () => {
    const db = databaseOf(core.db);
    const tx: TenantTx = (fn) => db.withTenant(f.tenantId, fn);
    for (const k of ['phone', 'email', 'name'] as const) {
      const whole = await db.withTenant(f.tenantId, (em) =>
        em.execute<{ ids: string[]; companies: (string | null)[] }[]>(
          `SELECT array_agg(id)::text[] AS ids, array_agg(dup_company)::text[] AS companies FROM contacts WHERE dup_${k} IS NOT NULL GROUP BY dup_${k} HAVING count(*) BETWEEN 2 AND ${DUPLICATE_BLOCK_CAP[k]}`,
        ),
      );
      // each member with its company key for names (the name tiers need both, paired)
      const norm = (bs: { ids: string[]; companies?: (string | null)[] }[]) =>
        bs.map((b) => b.ids.map((id, i) => (k === 'name' ? `${id}:${b.companies![i]}` : id)).sort().join()).sort();
      expect(whole.length).toBeGreaterThan(0); // planted blocks exist for both keys
      // ranges of 1, 7 and 1,000 entries: blocks split by no range boundary, none lost or doubled
      for (const size of [1, 7, 1000]) expect(norm(await blocksInRanges(tx, k, size)), `${k} by ${size}`).toEqual(norm(whole));
      // and the server's one pass (keys by count, members by probe)
      if (k !== 'name') expect(norm((await strongBlocksInOnePass(tx))[k]), `${k} in one pass`).toEqual(norm(whole));
    }
  }, 120_000);

  it('the name tiers: derived from the name blocks as their SQL defines them; walked range by range (PGlite) to the same pairs as one pass', async () => {
    const g = await createTenantFixture(core);
    const c = (firstName: string, lastName: string, company?: string, phone?: string) =>
      core.contacts.create(g.manager, { firstName, lastName, email: `${firstName}.${lastName}.${Math.floor(r() * 1e9)}@x${Math.floor(r() * 1e9)}.example`.replace(/[^\w.@]/g, ''), company, phone });
    const r = createRandom(29);
    await c('Pia', 'Stone', undefined, '+1 212 555 0100'); // one shared phone: the first tier finds 1 pair, far below the limit
    await c('P', 'S', undefined, '212-555-0100');
    // name + company (or a company missing on one side): the second tier; a 5-member block is longer than a range of 3
    for (const co of ['Alpha', 'ALPHA ', undefined]) await c('Ava', 'Berg', co);
    await c('AVA', 'BERG', 'Gamma');
    for (const co of ['Acme', 'Bolt', 'Acme', undefined, 'Core']) await c('Lena', 'Vogel', co);
    for (const co of ['Q', 'Q', 'R']) await c('Omar', 'Reyes', co);
    // the same name at different companies only: the third tier, blocks of 2 (tied on size, so the key's collation orders them) and 3
    for (const [first, last] of [['Noah', 'Lind'], ['Émile', 'Zola'], ['emile', 'Zorn'], ['Zoe', 'Adams'], ['Hugo', 'Ortiz'], ['Ines', 'Park']]) {
      await c(first, last, `${last} One`);
      await c(first, last, `${last} Two`);
    }
    for (const co of ['X', 'Y', 'Z']) await c('Mia', 'Holt', co);
    for (let i = 0; i <= DUPLICATE_BLOCK_CAP.name; i++) await c('John', 'Smith', `Co ${i}`); // over the cap: no evidence
    for (const last of ['Solo', 'Single', 'Alone']) await c('Kai', last, 'Alpha');
    const contacts = 4 + 5 + 3 + 12 + 3 + DUPLICATE_BLOCK_CAP.name + 1 + 3 + 2;

    const db = databaseOf(core.db);
    const readsNames = (sql: string) => /FROM contacts WHERE dup_name\b/.test(sql);
    const run = async (steps: Parameters<typeof findDuplicatePairs>[2]) => {
      const txs: string[][] = [];
      const tx: TenantTx = (fn) =>
        db.withTenant(g.tenantId, (em) => {
          const statements: string[] = [];
          txs.push(statements);
          const execute = (sql: string, ...rest: unknown[]) => (statements.push(sql), (em.execute as (...a: unknown[]) => unknown)(sql, ...rest));
          return fn(new Proxy(em, { get: (o, p, recv) => (p === 'execute' ? execute : Reflect.get(o, p, recv)) }));
        });
      const pairs = await findDuplicatePairs(tx, { limit: 200 }, steps);
      return {
        pairs: pairs.map((p) => [p.a.id, p.b.id, p.score, p.reasons.join('+')]),
        nameStatements: txs.map((t) => t.filter(readsNames).length),
      };
    };
    // the tiers' pairs from the name blocks equal their SQL definitions
    const plain: TenantTx = (fn) => db.withTenant(g.tenantId, fn);
    const norm = (ps: { a: string; b: string; w: number | string }[]) => ps.map((p) => `${p.a},${p.b},${Number(p.w)}`).sort();
    const blocks = await plain((em) =>
      em.execute<{ ids: string[]; companies: (string | null)[] }[]>(
        `SELECT array_agg(id)::text[] AS ids, array_agg(dup_company)::text[] AS companies FROM contacts WHERE dup_name IS NOT NULL GROUP BY dup_name HAVING count(*) BETWEEN 2 AND ${DUPLICATE_BLOCK_CAP.name} ORDER BY dup_name`,
      ),
    );
    const sameCompany = await plain((em) => em.execute<{ a: string; b: string; w: number }[]>(SAME_COMPANY_SQL));
    expect(sameCompany.length).toBeGreaterThan(5);
    expect(norm(sameCompanyPairs(blocks))).toEqual(norm(sameCompany));
    for (const n of [1, 3, 2000]) {
      const other = await plain((em) => em.execute<{ a: string; b: string; w: number }[]>(otherCompaniesSql(n)));
      expect(other.length).toBeGreaterThan(0);
      expect(norm(otherCompaniesPairs(blocks, n)), `at most ${n} blocks`).toEqual(norm(other));
      // the server's pass reads only the blocks each tier can use (at most n at different companies): the same pairs
      const usable = await nameTierBlocks(plain, n);
      const rarest = await usable.rarest();
      expect(usable.sameCompany.length).toBeLessThan(blocks.length);
      const atTwoCompanies = blocks.filter((b) => new Set(b.companies!.filter((x) => x !== null)).size >= 2).length;
      expect(rarest.length).toBe(Math.min(n, atTwoCompanies));
      expect(norm(sameCompanyPairs(usable.sameCompany)), `same company from the usable blocks (${n})`).toEqual(norm(sameCompany));
      expect(norm(otherCompaniesPairs(rarest, n)), `other companies from the usable blocks (${n})`).toEqual(norm(other));
    }

    for (const nameBlocks of [3, undefined]) {
      const whole = await run({ ...SERVER_STEPS, nameBlocks });
      expect(whole.nameStatements.reduce((a, b) => a + b, 0)).toBe(1); // one pass over the name index serves both tiers (the third tier's members are then probed by key)
      const reasons = whole.pairs.map((p) => p[3]);
      expect(reasons).toContain('same phone');
      expect(reasons).toContain('same name+same company');
      expect(reasons).toContain('same name');
      for (const ranges of [1, 3, 1000]) {
        const ranged = await run({ chunk: 4, ranges, nameBlocks });
        expect(ranged.pairs, `ranges of ${ranges}, name blocks ${nameBlocks}`).toEqual(whole.pairs);
        // one short transaction per step: never two reads of the name index in one
        expect(Math.max(...ranged.nameStatements)).toBe(1);
        const steps = ranged.nameStatements.reduce((a, b) => a + b, 0);
        if (ranges === 1) expect(steps).toBeGreaterThanOrEqual(contacts / 2);
        if (ranges === 1000) expect(steps).toBe(2); // the probe that finds no key 1,000 entries on, and the one range
      }
    }
    // the cap on blocks of a name at different companies holds in both forms: rarest first, so the 3-member block is left out
    const capped = await run({ ...SERVER_STEPS, nameBlocks: 3 });
    const all = await run(SERVER_STEPS);
    expect(all.pairs.length).toBeGreaterThan(capped.pairs.length);

    // Similarity is computed lazily and tiers are skipped once they cannot reach the top; with no
    // cap binding here, every limit's answer is the top of ALL pairs sharing a key within its cap,
    // each ranked (every pair's similarity computed), in both forms.
    const reference = await plain((em) => em.execute<{ a: string; b: string; score: number }[]>(EVERY_PAIR_RANKED_SQL));
    expect(reference.length).toBe(all.pairs.length);
    for (const limit of [1, 2, 3, 5, 8, 13, 200]) {
      const want = reference.slice(0, limit).map((p) => [p.a, p.b, Math.round(Math.min(1, Number(p.score)) * 100) / 100]);
      for (const steps of [SERVER_STEPS, { chunk: 2, ranges: 3 }, { chunk: 1000, ranges: 1000 }]) {
        const got = await findDuplicatePairs(plain, { limit }, steps);
        expect(got.map((p) => [p.a.id, p.b.id, p.score]), `limit ${limit}, ${JSON.stringify(steps)}`).toEqual(want);
      }
    }
  }, 180_000);

  it('finds the duplicates of one contact', async () => {
    const [pair] = [...planted].map((p) => p.split(','));
    const pairs = await core.merge.findDuplicates(f.manager, { contactId: pair[0] });
    expect(pairs.map((p) => [p.a.id, p.b.id].sort().join())).toContain(pair.join());
  });

  it("one contact's lookup (probing from its row) finds exactly the whole-tenant pairs that involve it, in the same order", async () => {
    const all = await core.merge.findDuplicates(f.manager, { limit: 200 });
    // every planted pair's both sides, plus a contact with no duplicate
    const ids = [...new Set([...planted].flatMap((p) => p.split(',')))];
    const lonely = (await core.contacts.list(f.manager, { limit: 100 })).data.find((c) => !all.some((p) => p.a.id === c.id || p.b.id === c.id))!;
    for (const id of [...ids, lonely.id]) {
      const mine = await core.merge.findDuplicates(f.manager, { contactId: id, limit: 200 });
      const expected = all.filter((p) => p.a.id === id || p.b.id === id);
      expect(mine.map((p) => [p.a.id, p.b.id, p.score])).toEqual(expected.map((p) => [p.a.id, p.b.id, p.score]));
    }
  });

  it('limits the whole-tenant work without changing the top: limit 5 is the first 5 of limit 200', async () => {
    const all = await core.merge.findDuplicates(f.manager, { limit: 200 });
    for (const limit of [1, 5, 20]) {
      const top = await core.merge.findDuplicates(f.manager, { limit });
      expect(top.map((p) => [p.a.id, p.b.id, p.score])).toEqual(all.slice(0, limit).map((p) => [p.a.id, p.b.id, p.score]));
    }
  });

  it('normalised keys: an email without dots or with a +tag, a phone without its country code; shared keys outrank a shared name', async () => {
    const g = await createTenantFixture(core);
    const c = (firstName: string, lastName: string, email: string, phone?: string, company?: string) => core.contacts.create(g.manager, { firstName, lastName, email, phone, company });
    const ava = await c('Ava', 'Lindqvist', 'ava.lindqvist@northco.example', '+1 201 555 0147', 'NorthCo');
    const avaDots = await c('A.', 'Lindqvist', 'avalindqvist+crm@gmail.example');
    const avaPhone = await c('A', 'L', 'al@elsewhere.example', '(201) 555-0147');
    const uk = await c('Theo', 'Marsh', 'theo.m@one.example', '+44 20 7946 0958');
    const ukNational = await c('T', 'Marsh', 'tm@two.example', '020 7946 0958');
    // same-name strangers at two companies with nothing else shared
    const s1 = await c('Noah', 'Berg', 'noah.berg@alpha.example', undefined, 'Alpha');
    const s2 = await c('Noah', 'Berg', 'nberg@beta.example', undefined, 'Beta');
    const pairs = await core.merge.findDuplicates(g.manager, { limit: 200 });
    const keys = pairs.map((p) => [p.a.id, p.b.id].sort().join());
    const at = (x: { id: string }, y: { id: string }) => keys.indexOf([x.id, y.id].sort().join());
    expect(at(ava, avaDots)).toBeGreaterThanOrEqual(0);
    expect(pairs[at(ava, avaDots)].reasons).toContain('same email name at another domain');
    expect(at(ava, avaPhone)).toBeGreaterThanOrEqual(0);
    expect(pairs[at(ava, avaPhone)].reasons).toContain('same phone');
    expect(at(uk, ukNational)).toBeGreaterThanOrEqual(0);
    expect(at(s1, s2)).toBe(keys.length - 1); // found, but ranked last
    expect(pairs[at(s1, s2)].reasons).toEqual(['same name']);
  });

  it('a key shared by more contacts than its cap is no evidence (role addresses, very common names)', async () => {
    const g = await createTenantFixture(core);
    for (let i = 0; i <= DUPLICATE_BLOCK_CAP.email; i++) {
      await core.contacts.create(g.manager, { firstName: `Person${i}`, lastName: `Role${i}`, email: `sales@firm${i}.example` });
    }
    for (let i = 0; i <= DUPLICATE_BLOCK_CAP.name; i++) {
      await core.contacts.create(g.manager, { firstName: 'John', lastName: 'Smith', email: `john.smith${i}@co${i}.example`, company: `Co ${i}` });
    }
    const two = await core.contacts.create(g.manager, { firstName: 'John', lastName: 'Smith', email: `js.x@gmail.example`, phone: '+1 415 555 0199' });
    const twin = await core.contacts.create(g.manager, { firstName: 'J', lastName: 'Smith', email: `js.y@outlook.example`, phone: '415-555-0199' });
    const pairs = await core.merge.findDuplicates(g.manager, { limit: 200 });
    expect(pairs.map((p) => [p.a.id, p.b.id].sort().join())).toEqual([[two.id, twin.id].sort().join()]);
    const one = await core.merge.findDuplicates(g.manager, { contactId: two.id });
    expect(one.map((p) => [p.a.id, p.b.id].sort().join())).toEqual([[two.id, twin.id].sort().join()]);
    expect(one[0].reasons).toEqual(['same phone']);
  });
});
