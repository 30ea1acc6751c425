/**
 * The offline assistant knows who is asking, through POST /api/v1/chat (the entry `crm chat` and
 * /ws use too), with two reps and a manager: "my hottest leads" lists only the asker's contacts
 * (get_current_user, then search_contacts assignedTo), a manager's "my" and "the team's" differ,
 * new leads are listed rather than counted, and deal/target questions say what the CRM does not
 * track instead of quoting playbooks.
 */
import type { Actor } from '@crm/core';
import { testDbKinds } from '@crm/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRestHarness, type RestHarness } from './rest-test.fixture.ts';

interface Turn {
  answer: string;
  toolCalls: { tool: string; ok: boolean; args: Record<string, unknown> }[];
}

describe.each(testDbKinds())('the offline assistant knows who is asking on %s', { timeout: 300_000 }, (kind) => {
  let h: RestHarness;
  beforeAll(async () => {
    h = await openRestHarness(kind);
    const lead = (owner: Actor, firstName: string, leadScore: number, company: string) =>
      h.core.contacts.create(h.a.admin, { firstName, lastName: 'Lead', email: `${firstName.toLowerCase()}@who.test`, company, leadScore, assignedTo: owner.userId });
    await lead(h.a.rep, 'Rhea', 90, 'Rep Co');
    await lead(h.a.rep, 'Rory', 70, 'Rep Co');
    await lead(h.a.otherRep, 'Otto', 95, 'Other Co');
    await lead(h.a.manager, 'Mina', 60, 'Manager Co');
  }, 120_000);
  afterAll(() => h.close());

  const chat = async (key: string, message: string): Promise<Turn> => {
    const res = await h.server.inject({ method: 'POST', url: '/api/v1/chat', headers: { authorization: `Bearer ${key}` }, payload: { message } });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(200);
    return res.json() as Turn;
  };
  const key = (who: 'manager' | 'rep' | 'otherRep') => h.a.apiKeys[who];
  const searches = (t: Turn) => t.toolCalls.filter((c) => c.tool === 'search_contacts');

  it("a rep's \"my hottest leads\" lists only their own contacts; the other rep's only theirs", async () => {
    const rep = await chat(key('rep'), 'my hottest leads');
    expect(rep.toolCalls[0]).toMatchObject({ tool: 'get_current_user', ok: true });
    expect(searches(rep).length).toBeGreaterThan(0);
    for (const s of searches(rep)) expect(s.args.assignedTo).toBe(h.a.rep.userId);
    expect(rep.answer).toMatch(/Your hottest open leads \(assigned to rep\) by lead score:\n1\. Rhea Lead \(Rep Co\) — score 90 .*\n2\. Rory Lead \(Rep Co\) — score 70/);
    for (const other of ['Otto', 'Mina']) expect(rep.answer).not.toContain(other);

    // held out: another wording, the other rep
    const other = await chat(key('otherRep'), 'who are my best leads right now?');
    expect(other.answer).toContain('1. Otto Lead (Other Co) — score 95');
    for (const name of ['Rhea', 'Rory', 'Mina']) expect(other.answer).not.toContain(name);
  });

  it('a manager\'s "my hottest leads" is their own; "the team\'s" is everyone\'s', async () => {
    const mine = await chat(key('manager'), 'my hottest leads');
    for (const s of searches(mine)) expect(s.args.assignedTo).toBe(h.a.manager.userId);
    expect(mine.answer).toContain('1. Mina Lead (Manager Co) — score 60');
    for (const name of ['Rhea', 'Rory', 'Otto']) expect(mine.answer).not.toContain(name);

    const team = await chat(key('manager'), "show me the team's hottest leads");
    expect(team.toolCalls.map((c) => c.tool)).not.toContain('get_current_user');
    for (const s of searches(team)) expect(s.args.assignedTo).toBeUndefined();
    expect(team.answer).toMatch(/1\. Otto Lead .*\n2\. Rhea Lead .*\n3\. Rory Lead .*\n4\. Mina Lead/);
    expect(team.answer).not.toEqual(mine.answer);
  });

  it('"how am I doing" answers a manager with their own figures; "my follow-ups" are theirs', async () => {
    const doing = await chat(key('manager'), 'how am I doing this month?');
    expect(doing.answer).toContain('Assigned to manager now (search_contacts): 1 lead, 0 prospects, 0 customers');
    const mina = (await h.core.contacts.list(h.a.manager, { search: 'mina' })).data[0]!;
    const rhea = (await h.core.contacts.list(h.a.manager, { search: 'rhea' })).data[0]!;
    const due = new Date(Date.now() - 60_000).toISOString();
    await h.core.followUps.create(h.a.manager, { contactId: mina.id, title: 'Call Mina back', dueAt: due });
    await h.core.followUps.create(h.a.rep, { contactId: rhea.id, title: 'Send Rhea the deck', dueAt: due });
    const fus = await chat(key('manager'), 'my follow-ups today');
    expect(fus.toolCalls.find((c) => c.tool === 'list_follow_ups')!.args.ownerId).toBe(h.a.manager.userId);
    expect(fus.answer).toContain('Call Mina back');
    expect(fus.answer).not.toContain('Send Rhea the deck');
  });

  it('"new leads this week" lists them with owner and score; a rep\'s "my new leads" only theirs', async () => {
    const all = await chat(key('manager'), 'new leads this week');
    expect(all.answer).toMatch(/4 new contact\(s\) were created this week \(search_contacts\), newest first/);
    for (const name of ['Rhea Lead (Rep Co), score 90', 'Otto Lead (Other Co), score 95', 'Mina Lead (Manager Co), score 60']) expect(all.answer).toContain(name);
    const rep = await chat(key('rep'), 'my new leads this week');
    expect(rep.answer).toMatch(/2 new contact\(s\) assigned to you were created this week/);
    expect(rep.answer).toContain('Rory Lead (Rep Co), score 70, owner you');
    expect(rep.answer).not.toContain('Otto');
  });

  it('"what did I log this week" lists the asker\'s interactions (list_interactions); owners are named by list_users, one who never logged too', async () => {
    const [rhea] = (await h.core.contacts.list(h.a.rep, { search: 'rhea@who.test' })).data;
    await h.core.interactions.log(h.a.rep, { contactId: rhea!.id, type: 'PHONE_CALL', channel: 'PHONE', direction: 'OUTBOUND', subject: 'Pricing questions' });
    const rep = await chat(key('rep'), 'what did I log this week');
    expect(rep.toolCalls.find((c) => c.tool === 'list_interactions')).toMatchObject({ ok: true, args: { userId: h.a.rep.userId } });
    expect(rep.answer).toMatch(/You \(rep\) logged 1 interaction\(s\) this week \(list_interactions\), newest first/);
    expect(rep.answer).toMatch(new RegExp(`\\n- \\d{4}-\\d{2}-\\d{2} phone call with Rhea Lead \\[crm://contacts/${rhea!.id}\\]: Pricing questions`));
    // the manager logged nothing: an empty list, not someone else's calls
    const manager = await chat(key('manager'), 'what did I log this week?');
    expect(manager.answer).toContain('You (manager) logged no interactions this week (list_interactions)');
    // otherRep never logged anything: named by the team directory (it was "user 1a2b3c4d")
    const all = await chat(key('manager'), 'new leads this week');
    expect(all.toolCalls.map((c) => c.tool)).toContain('list_users');
    expect(all.answer).toContain('Otto Lead (Other Co), score 95, owner otherrep');
  });

  it('deal and target questions say what the CRM does not track instead of citing playbooks', async () => {
    for (const question of ['what deals close this month?', /* held out */ 'am I going to hit my quota this quarter?']) {
      const t = await chat(key('rep'), question);
      expect(t.toolCalls.map((c) => c.tool), question).not.toContain('search_knowledge');
      expect(t.answer, question).toMatch(/does not track deals, deal values, expected close dates, quotas or targets/);
      expect(t.answer, question).toMatch(/became customers (this (month|quarter)|in the last \d+ days)/);
    }
  });
});
