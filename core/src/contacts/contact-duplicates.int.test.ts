import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmCore, type CrmCore } from '../crm-core.ts';
import { silentLogger } from '../logger.ts';
import { createRandom } from '../scoring/ml/random.ts';
import { createTenantFixture, openTestDatabase, testDbKinds, type TenantFixture, type TestDatabase } from '../testing/index.ts';

const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Mia', 'Lucas', 'Zoe', 'Omar', 'Ines', 'Kai', 'Yuki', 'Ravi', 'Lena', 'Hugo', 'Sara', 'Theo', 'Nina'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Khan', 'Muller', 'Rossi', 'Silva', 'Kowalski', 'Tanaka', 'Okafor', 'Dubois', 'Larsen', 'Novak'];

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
});
