import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssistant } from '../../assistant/assistant.ts';
import { LocalPlannerChatModel } from '../../models/local-planner/local-chat-model.ts';
import { openAgentHarness, type AgentHarness } from '../../testing/agent-harness.ts';
import { ScriptedChatModel, callTool, say } from '../../testing/scripted-chat-model.ts';
import { loadToolset, type Toolset } from '../../tools/toolset.ts';
import type { StepEvent } from '../supervisor/supervisor.state.ts';
import { createResearchGraph } from './research.graph.ts';
import { lexicalStrategy } from './research.lexical.ts';
import { modelStrategy } from './research.model.ts';

const ONBOARDING = '# Onboarding package\n\nThe onboarding package includes a kickoff workshop, a full SEO audit and a 90-day content calendar. Onboarding takes two weeks.\n';
const PRICING = '# Pricing\n\nThe growth package costs 2,400 GBP per month. Contracts run for 12 months.\n';

/** The numbered passage ([n]) of a grade/answer prompt whose text contains `needle`. */
function passageNumber(messages: BaseMessage[], needle: string): number {
  const prompt = String(messages.find(HumanMessage.isInstance)!.content);
  const blocks = prompt.split(/\n(?=\[\d+\] )/);
  const hit = blocks.find((b) => b.includes(needle));
  return hit ? Number(hit.match(/^\[(\d+)\]/m)![1]) : 0;
}
const passageCount = (messages: BaseMessage[]) => (String(messages.find(HumanMessage.isInstance)!.content).match(/^\[\d+\] /gm) ?? []).length;

describe('research graph (agentic RAG) through the real MCP search_knowledge tool', () => {
  let h: AgentHarness;
  let toolset: Toolset;
  let close: () => Promise<void>;
  let onboardingUri: string;
  let pricingUri: string;
  beforeAll(async () => {
    h = await openAgentHarness('pglite');
    const add = async (filename: string, text: string) => (await h.core.knowledge.addDocument(h.f.manager, { filename, bytes: new TextEncoder().encode(text) }));
    onboardingUri = `crm://kb/${(await add('onboarding.md', ONBOARDING)).document.id}`;
    pricingUri = `crm://kb/${(await add('pricing.md', PRICING)).document.id}`;
    await h.core.knowledge.refresh(h.f.tenantId);
    const client = await h.mcpClientFactory(h.f.rep);
    toolset = await loadToolset(client);
    close = () => client.close();
  });
  afterAll(async () => {
    await close?.();
    await h.close();
  });

  it('rewrites, finds nothing relevant, re-queries, then answers with claim-level citations; drops invented numbers and citations', async () => {
    const model = new ScriptedChatModel([
      callTool('decide', { retrieve: true, reason: 'asks about our offering' }),
      callTool('rewrite', { query: 'hardware returns' }),
      (m) => callTool('grade', { grades: Array.from({ length: passageCount(m) }, (_, i) => ({ passage: i + 1, relevant: false })) }),
      callTool('rewrite', { query: 'onboarding package kickoff' }),
      (m) => callTool('grade', { grades: [{ passage: passageNumber(m, 'kickoff workshop'), relevant: true }] }),
      (m) => {
        const n = passageNumber(m, 'kickoff workshop');
        return callTool('answer', {
          claims: [
            { text: 'The onboarding package includes a kickoff workshop, a full SEO audit and a 90-day content calendar.', passages: [n] },
            // model arithmetic: 2 weeks → "14 days" is not in the passage
            { text: 'Onboarding takes 14 days.', passages: [n] },
            { text: 'It comes with free hosting.', passages: [7] },
          ],
        });
      },
    ]);
    const events: StepEvent[] = [];
    const graph = createResearchGraph({ toolset, strategy: modelStrategy(model) });
    const out = await graph.invoke({ question: 'What does our onboarding package include?' }, { writer: (e: unknown) => events.push(e as StepEvent) } as never);
    expect(out.queries).toEqual(['hardware returns', 'onboarding package kickoff']);
    expect(out.known).toBe(true);
    expect(out.claims).toEqual([{ text: 'The onboarding package includes a kickoff workshop, a full SEO audit and a 90-day content calendar.', citations: [onboardingUri] }]);
    expect(out.reply).toBe(`The onboarding package includes a kickoff workshop, a full SEO audit and a 90-day content calendar. [${onboardingUri}]`);
    // the model's "14 days" is gone (the citation's random document id may itself contain "14")
    expect(out.reply.replace(onboardingUri, '')).not.toContain('14');
    expect(out.citations).toEqual([onboardingUri]);
    const steps = events.flatMap((e) => (e.type === 'research' ? [e.step] : []));
    expect(steps).toEqual(['decide', 'rewrite', 'retrieve', 'grade', 'rewrite', 'retrieve', 'grade', 'answer']);
    expect(events.find((e) => e.type === 'research' && e.step === 'answer')).toMatchObject({ known: true, dropped: 2 });
    // the retrievals are real search_knowledge calls, reported as tool calls of the research agent
    expect(events.filter((e) => e.type === 'tool_call')).toEqual([
      { type: 'tool_call', agent: 'research', tool: 'search_knowledge', args: { query: 'hardware returns', k: 5 } },
      { type: 'tool_call', agent: 'research', tool: 'search_knowledge', args: { query: 'onboarding package kickoff', k: 5 } },
    ]);
    expect(model.calls).toHaveLength(6);
  });

  it('respects the re-query bound and says "I don\'t know" with no citation when nothing relevant comes back', async () => {
    const none = (m: BaseMessage[]) => callTool('grade', { grades: Array.from({ length: passageCount(m) }, (_, i) => ({ passage: i + 1, relevant: false })) });
    // one retrieval and at most one re-query: a third rewrite would exhaust the script and fail the test
    const model = new ScriptedChatModel([callTool('decide', { retrieve: true, reason: 'policy question' }), callTool('rewrite', { query: 'refund policy hardware' }), none, callTool('rewrite', { query: 'returns of devices' }), none]);
    const events: StepEvent[] = [];
    const out = await createResearchGraph({ toolset, strategy: modelStrategy(model), maxRequeries: 1 }).invoke({ question: 'What is our refund policy for hardware?' }, { writer: (e: unknown) => events.push(e as StepEvent) } as never);
    expect(out.known).toBe(false);
    expect(out.citations).toEqual([]);
    expect(out.reply).toMatch(/^I don't know: the knowledge base has nothing that answers this/);
    expect(out.reply).not.toMatch(/crm:\/\//);
    expect(events.filter((e) => e.type === 'research' && e.step === 'retrieve')).toHaveLength(2);
    expect(model.calls).toHaveLength(5);
  });

  it('answers without retrieving when the model decides there is nothing to look up', async () => {
    const model = new ScriptedChatModel([callTool('decide', { retrieve: false, reason: 'a greeting' })]);
    const events: StepEvent[] = [];
    const out = await createResearchGraph({ toolset, strategy: modelStrategy(model) }).invoke({ question: 'thanks!' }, { writer: (e: unknown) => events.push(e as StepEvent) } as never);
    expect(out.reply).toMatch(/^I don't know/);
    expect(events.some((e) => e.type === 'tool_call')).toBe(false);
  });

  it('falls back to the lexical judgement when a model reply cannot be read', async () => {
    const model = new ScriptedChatModel([say('sure!'), say('{"query": ""}'), say('no idea'), say('not json')]);
    const out = await createResearchGraph({ toolset, strategy: modelStrategy(model) }).invoke({ question: 'How much does the growth package cost per month?' });
    expect(out.citations).toEqual([pricingUri]);
    expect(out.reply).toContain('2,400 GBP per month');
  });

  it('offline (lexical strategy): quotes the passage with its citation, and an off-topic question gets "I don\'t know"', async () => {
    const graph = createResearchGraph({ toolset, strategy: lexicalStrategy() });
    const yes = await graph.invoke({ question: 'what does the onboarding package include?' });
    expect(yes.citations).toEqual([onboardingUri]);
    expect(yes.reply).toContain('"The onboarding package includes a kickoff workshop');
    const no = await graph.invoke({ question: 'Who won the football world cup in 1966?' });
    expect(no.known).toBe(false);
    expect(no.citations).toEqual([]);
    expect(no.reply).toMatch(/^I don't know/);
    // the bound: first query and two re-queries at most
    expect(no.queries.length).toBeLessThanOrEqual(3);
  });

  it('runs as the research sub-agent of the assistant with the local model, streaming its steps', async () => {
    const assistant = createAssistant({ model: new LocalPlannerChatModel(), mcpClientFactory: h.mcpClientFactory });
    const events: StepEvent[] = [];
    const r = await assistant.chat(h.f.rep, { threadId: 'rag1', message: 'what does the onboarding package include?' }, { onEvent: (e) => events.push(e) });
    expect(r.answer.startsWith('[offline]')).toBe(true);
    expect(r.answer).toContain('kickoff workshop');
    expect(r.citations).toEqual([onboardingUri]);
    expect(r.toolCalls.map((c) => c.tool)).toEqual(['search_knowledge']);
    expect(events[0]).toEqual({ type: 'agent', agent: 'research' });
    expect(events.flatMap((e) => (e.type === 'research' ? [e.step] : []))).toEqual(['decide', 'rewrite', 'retrieve', 'grade', 'answer']);
    const off = await assistant.chat(h.f.rep, { threadId: 'rag2', message: 'What does our policy say about refunds for hardware?' });
    expect(off.answer).toMatch(/I don't know/);
    expect(off.citations).toEqual([]);
  });

  it('with a real (here scripted) chat model the supervisor hands over, the research graph judges through prompts, the supervisor composes', async () => {
    const model = new ScriptedChatModel([
      callTool('transfer_to_research', { request: 'growth package monthly price' }),
      callTool('decide', { retrieve: true, reason: 'pricing question' }),
      callTool('rewrite', { query: 'growth package price per month' }),
      (m) => callTool('grade', { grades: [{ passage: passageNumber(m, '2,400 GBP'), relevant: true }] }),
      (m) => callTool('answer', { claims: [{ text: 'The growth package costs 2,400 GBP per month.', passages: [passageNumber(m, '2,400 GBP')] }] }),
      (m) => say(String(m.at(-1)!.content)),
    ]);
    const events: StepEvent[] = [];
    const r = await createAssistant({ model, mcpClientFactory: h.mcpClientFactory }).chat(h.f.rep, { threadId: 'rag3', message: 'How much is the growth package?' }, { onEvent: (e) => events.push(e) });
    expect(r.answer).toBe(`The growth package costs 2,400 GBP per month. [${pricingUri}]`);
    expect(r.citations).toEqual([pricingUri]);
    expect(r.offline).toBe(false);
    // the research graph saw the question the supervisor handed over, not only the user's words
    expect(String(model.calls[2].messages.at(-1)!.content)).toContain('growth package monthly price');
    expect(events.map((e) => (e.type === 'research' ? e.step : e.type))).toEqual(['agent', 'decide', 'rewrite', 'tool_call', 'tool_result', 'retrieve', 'grade', 'answer']);
  });
  describe('scoped to a contact (contactId)', () => {
    let dana: string;
    let omar: string;
    let danaNote: string;
    let omarNote: string;
    beforeAll(async () => {
      const { manager, rep } = h.f;
      const make = async (first: string, company: string) => (await h.core.contacts.create(manager, { firstName: first, lastName: 'Scope', email: `${first.toLowerCase()}@${company}.test`, company, assignedTo: rep.userId })).id;
      dana = await make('Dana', 'northwind');
      omar = await make('Omar', 'fabrikam');
      const log = async (contactId: string, content: string) => (await h.core.interactions.log(manager, { contactId, type: 'PHONE_CALL', channel: 'PHONE', direction: 'INBOUND', content })).id;
      danaNote = await log(dana, 'Dana asked whether the growth package pricing includes a discount for a two-year contract.');
      omarNote = await log(omar, 'Omar asked whether the growth package pricing includes a discount for paying upfront.');
      await h.core.knowledge.backfillInteractions(h.f.tenantId);
    });

    /** A remote model, scripted by what each call binds: it hands over with `handedScope` and marks every note passage relevant. */
    const remote = (handedScope: string | undefined) => {
      const shown: string[] = [];
      const step = (m: BaseMessage[], tools: string[]) => {
        const last = m.at(-1)!;
        if (tools.includes('transfer_to_research')) {
          return AIMessage.isInstance(last) && last.name === 'research' ? say(String(last.content)) : callTool('transfer_to_research', { request: 'growth package pricing discount', ...(handedScope ? { contactId: handedScope } : {}) });
        }
        if (tools.includes('decide')) return callTool('decide', { retrieve: true, reason: 'asks what a contact said' });
        if (tools.includes('rewrite')) return callTool('rewrite', { query: 'growth package pricing discount' });
        const prompt = String(m.find(HumanMessage.isInstance)!.content);
        shown.push(prompt);
        const notes = prompt.split(/\n(?=\[\d+\] )/).flatMap((b) => (b.includes('asked whether') ? [Number(b.match(/^\[(\d+)\]/m)![1])] : []));
        if (tools.includes('grade')) return callTool('grade', { grades: notes.map((n) => ({ passage: n, relevant: true })) });
        return callTool('answer', { claims: notes.map((n) => ({ text: 'They asked about a discount on the growth package.', passages: [n] })) });
      };
      return { model: new ScriptedChatModel(Array.from({ length: 12 }, () => step)), shown };
    };

    it("a remote model's handoff scopes research: only that contact's note is shown, graded and cited", async () => {
      const { model, shown } = remote(dana);
      const r = await createAssistant({ model, mcpClientFactory: h.mcpClientFactory }).chat(h.f.rep, { threadId: 'scope1', message: 'What did Dana ask about pricing?' });
      expect(r.citations).toEqual([`crm://interactions/${danaNote}`]);
      expect(r.toolCalls.map((c) => [c.tool, c.args.id ?? c.args.contactId ?? null])).toEqual([
        ['get_contact', dana],
        ['search_knowledge', dana],
        ['search_knowledge', null],
      ]);
      expect(shown.join('\n')).toContain('two-year contract');
      expect(shown.join('\n')).not.toContain('upfront');
      expect(JSON.stringify(r)).not.toContain(omarNote);
    });

    it("the caller's scope wins over the one the model hands over", async () => {
      const { model, shown } = remote(dana);
      const r = await createAssistant({ model, mcpClientFactory: h.mcpClientFactory }).chat(h.f.rep, { threadId: 'scope2', message: 'What did they ask about pricing?', contactId: omar });
      expect(r.citations).toEqual([`crm://interactions/${omarNote}`]);
      expect(r.toolCalls[0]).toMatchObject({ tool: 'get_contact', args: { id: omar } });
      expect(shown.join('\n')).not.toContain('two-year contract');
      expect(JSON.stringify(r)).not.toContain(danaNote);
    });

    it('a question that names a contact is scoped to that contact (found by name through search_contacts)', async () => {
      const graph = createResearchGraph({ toolset, strategy: lexicalStrategy() });
      const events: StepEvent[] = [];
      const r = await graph.invoke({ question: 'What did Dana ask about the growth package pricing?' }, { writer: (e: unknown) => events.push(e as StepEvent) } as never);
      const calls = events.flatMap((e) => (e.type === 'tool_call' ? [[e.tool, e.args.id ?? e.args.contactId ?? e.args.search ?? null]] : []));
      expect(calls.slice(0, 4)).toEqual([
        ['search_contacts', 'Dana'],
        ['get_contact', dana],
        ['search_knowledge', dana],
        ['search_knowledge', null],
      ]);
      expect(events).toContainEqual({ type: 'research', step: 'named', name: 'Dana', matches: 1, contactId: dana });
      expect(r.contactId).toBe(dana);
      expect(r.citations).toContain(`crm://interactions/${danaNote}`);
      expect(r.reply).toContain('two-year contract');
      expect(JSON.stringify(r)).not.toContain(omarNote);
      expect(JSON.stringify(r)).not.toContain('upfront');
    });

    it('a name several contacts share, or no contact has, leaves the question unscoped', async () => {
      const graph = createResearchGraph({ toolset, strategy: lexicalStrategy() });
      const events: unknown[] = [];
      // both test contacts are called Scope
      const shared = await graph.invoke({ question: 'What did Scope ask about the growth package pricing?' }, { writer: (e: unknown) => events.push(e) } as never);
      expect(events).toContainEqual({ type: 'research', step: 'named', name: 'Scope', matches: 2 });
      expect(shared.contactId).toBeUndefined();
      expect(events.some((e) => (e as { tool?: string }).tool === 'get_contact')).toBe(false);
      events.length = 0;
      const nobody = await graph.invoke({ question: 'What does Northwind pay for the growth package?' }, { writer: (e: unknown) => events.push(e) } as never);
      expect(events).toContainEqual({ type: 'research', step: 'named', name: 'Northwind', matches: 0 });
      expect(nobody.contactId).toBeUndefined();
      events.length = 0;
      // an acronym is a topic, not a name: no contact look-up at all
      const topic = await graph.invoke({ question: 'What is the minimum term for a PPC retainer?' }, { writer: (e: unknown) => events.push(e) } as never);
      expect(events.some((e) => (e as { tool?: string }).tool === 'search_contacts')).toBe(false);
      expect(topic.contactId).toBeUndefined();
    });

    it('without a scope the same search reaches both notes (what the scope prevents)', async () => {
      const { model } = remote(undefined);
      const r = await createAssistant({ model, mcpClientFactory: h.mcpClientFactory }).chat(h.f.rep, { threadId: 'scope3', message: 'What did they ask about pricing?' });
      expect(r.citations).toEqual(expect.arrayContaining([`crm://interactions/${danaNote}`, `crm://interactions/${omarNote}`]));
    });
  });
});
