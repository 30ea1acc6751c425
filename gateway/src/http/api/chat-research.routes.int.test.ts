import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

interface Turn {
  answer: string;
  citations: string[];
  toolCalls: { tool: string; args: Record<string, unknown> }[];
  steps: Record<string, unknown>[];
  offline: boolean;
}

const PRICING = '# Pricing\n\nThe growth package costs 2,400 GBP per month. Contracts for the growth package run for 12 months.\n';

/**
 * POST /api/v1/chat with `contactId`: the local (offline) assistant's research searches that
 * contact's record and notes plus the knowledge base, and cites the records it quotes
 * (crm://contacts/…, crm://interactions/…). Two contacts' notes say nearly the same thing, so an
 * unscoped search would find both: the scoped answer must never cite or quote the other one's.
 */
describe.each(testDbKinds())('REST chat research scoped to a contact (local model) on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  let dana: string;
  let omar: string;
  let hidden: string;
  const notes: Record<'dana' | 'omar' | 'hidden', string[]> = { dana: [], omar: [], hidden: [] };
  let pricingUri: string;

  const chat = async (body: Record<string, unknown>, who: 'rep' | 'manager' = 'rep') => {
    const res = await h.call(who, 'POST', '/api/v1/chat', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Turn;
  };
  const interactionIds = (t: Turn) => t.citations.filter((c) => c.startsWith('crm://interactions/')).map((c) => c.slice('crm://interactions/'.length));
  const mentionsAny = (t: Turn, ids: string[]) => ids.filter((id) => JSON.stringify(t).includes(id));

  beforeAll(async () => {
    h = await openRestHarness(kind);
    const { rep, otherRep, manager } = h.a;
    const make = async (first: string, last: string, company: string, owner: string) =>
      (await h.core.contacts.create(manager, { firstName: first, lastName: last, email: `${first.toLowerCase()}@${company.toLowerCase()}.test`, company, position: 'Head of Marketing', assignedTo: owner })).id;
    dana = await make('Dana', 'Whitfield', 'Northwind', rep.userId);
    omar = await make('Omar', 'Haddad', 'Fabrikam', rep.userId);
    hidden = await make('Hana', 'Kato', 'Contoso', otherRep.userId);
    const log = async (who: keyof typeof notes, contactId: string, content: string) =>
      notes[who].push((await h.core.interactions.log(manager, { contactId, type: 'PHONE_CALL', channel: 'PHONE', direction: 'INBOUND', content })).id);
    await log('dana', dana, 'Call recap: Dana asked whether the growth package pricing includes a discount for a two-year contract. She wants the proposal by Friday.');
    await log('dana', dana, 'Dana confirmed the budget sits with the finance team and the board meets in March.');
    await log('omar', omar, 'Call recap: Omar asked whether the growth package pricing includes a discount for paying the whole year upfront.');
    await log('hidden', hidden, 'Hana asked whether the growth package pricing includes a discount for charities.');
    pricingUri = `crm://kb/${(await h.core.knowledge.addDocument(manager, { filename: 'pricing.md', bytes: new TextEncoder().encode(PRICING) })).document.id}`;
    await h.core.knowledge.backfillInteractions(h.a.tenantId);
    await h.core.knowledge.refresh(h.a.tenantId);
  }, 300_000);
  afterAll(() => h?.close());

  it("answers from the contact's own notes and cites them; the other contacts' notes never appear", async () => {
    const turn = await chat({ message: 'What did she ask about the growth package pricing discount?', contactId: dana });
    expect(turn.offline).toBe(true);
    expect(turn.answer).toContain('two-year contract');
    expect(interactionIds(turn).length).toBeGreaterThan(0);
    for (const id of interactionIds(turn)) expect(notes.dana).toContain(id);
    // not cited, not quoted, not even among the passages the research steps saw
    expect(mentionsAny(turn, [...notes.omar, ...notes.hidden])).toEqual([]);
    expect(turn.answer).not.toMatch(/upfront|charities/);
    // the record was read and every search of notes was scoped to Dana
    expect(turn.toolCalls.map((c) => c.tool)).toEqual(['get_contact', 'search_knowledge', 'search_knowledge']);
    const searches = turn.toolCalls.filter((c) => c.tool === 'search_knowledge').map((c) => c.args);
    expect(searches.filter((a) => a.types && (a.types as string[]).includes('interaction'))).toEqual([expect.objectContaining({ contactId: dana, types: ['interaction'] })]);
    expect(searches.filter((a) => !a.contactId)).toEqual([expect.objectContaining({ types: ['document'] })]);
    expect(turn.steps).toContainEqual(expect.objectContaining({ type: 'research', step: 'scope', contactId: dana, ok: true }));
  });

  it('the same question about Omar cites only his note', async () => {
    const turn = await chat({ message: 'What did he ask about the growth package pricing discount?', contactId: omar });
    expect(turn.answer).toContain('upfront');
    expect(interactionIds(turn)).toEqual(notes.omar);
    expect(mentionsAny(turn, [...notes.dana, ...notes.hidden])).toEqual([]);
  });

  it('cites the contact record (crm://contacts/{id}) for a fact of the record', async () => {
    const company = await chat({ message: 'Which company does she work at?', contactId: dana });
    expect(company.answer).toContain('Dana Whitfield works at the company Northwind.');
    expect(company.citations).toEqual([`crm://contacts/${dana}`]);
    expect(company.toolCalls[0]).toMatchObject({ tool: 'get_contact', args: { id: dana } });
    expect(mentionsAny(company, [omar, hidden, ...notes.omar, ...notes.hidden])).toEqual([]);
    const title = await chat({ message: 'What is her job title?', contactId: omar });
    expect(title.answer).toContain("Omar Haddad's position (job title) is Head of Marketing.");
    expect(title.citations).toEqual([`crm://contacts/${omar}`]);
  });

  it('still answers from the knowledge base within the scope, citing the document', async () => {
    const turn = await chat({ message: 'How much does the growth package cost per month?', contactId: dana });
    expect(turn.answer).toContain('2,400 GBP per month');
    expect(turn.citations).toEqual([pricingUri]);
    expect(mentionsAny(turn, [...notes.omar, ...notes.hidden])).toEqual([]);
  });

  it("scoped to a contact whose notes the caller may not read: none of them is searched or cited; another tenant's contact is refused", async () => {
    // a rep reads every contact of the tenant but only the notes of their own contacts (Hana is another rep's)
    const rep = await chat({ message: 'What did she ask about the growth package pricing discount?', contactId: hidden });
    expect(interactionIds(rep)).toEqual([]);
    expect(mentionsAny(rep, [...notes.hidden, ...notes.dana, ...notes.omar])).toEqual([]);
    expect(rep.answer).not.toContain('charities');
    // the manager reads them, and gets Hana's note only
    const manager = await chat({ message: 'What did she ask about the growth package pricing discount?', contactId: hidden }, 'manager');
    expect(manager.answer).toContain('charities');
    expect(interactionIds(manager)).toEqual(notes.hidden);
    expect(mentionsAny(manager, [...notes.dana, ...notes.omar])).toEqual([]);
    // tenant B's admin scoping to tenant A's contact: the tools say it does not exist, nothing is searched
    const res = await h.call('admin', 'POST', '/api/v1/chat', { message: 'What did she ask about the growth package pricing discount?', contactId: dana }, {}, h.b);
    expect(res.statusCode).toBe(200);
    const other = res.json() as Turn;
    expect(other.answer).toMatch(/could not search that contact's records \(could not read contact .*NOT_FOUND/);
    expect(other.citations).toEqual([]);
    expect(other.toolCalls.map((c) => c.tool)).toEqual(['get_contact']);
  });

  it('refuses a contactId that is not a UUID, naming the field', async () => {
    const res = await h.call('rep', 'POST', '/api/v1/chat', { message: 'pricing?', contactId: 'dana' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [expect.objectContaining({ path: 'body.contactId', reason: 'must be a contact id (UUID)' })] } });
  });
});
