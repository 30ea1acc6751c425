import { MemorySaver } from '@langchain/langgraph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlannerChatModel } from '../models/local-planner/local-chat-model.ts';
import { openAgentHarness, type AgentHarness } from '../testing/agent-harness.ts';
import { createAssistant, type Assistant } from './assistant.ts';
const NOW = new Date('2026-11-28T14:00:00Z');
describe('scratch', () => {
  let h: AgentHarness;
  let assistant: Assistant;
  beforeAll(async () => {
    h = await openAgentHarness('pglite');
    await h.core.contacts.create(h.f.manager, { firstName: 'Olga', lastName: 'Other', email: 'olga@x.test', company: 'X', assignedTo: h.f.otherRep.userId, leadScore: 90 });
    await h.core.contacts.create(h.f.manager, { firstName: 'Dana', lastName: 'Mine', email: 'dana@x.test', company: 'Y', assignedTo: h.f.rep.userId, leadScore: 40 });
    assistant = createAssistant({ model: new LocalPlannerChatModel({ now: () => NOW }), mcpClientFactory: h.mcpClientFactory, checkpointer: new MemorySaver(), now: () => NOW });
  });
  afterAll(() => h.close());
  it('x', async () => {
    for (const m of ['show the hottest leads', 'mark the first one as qualified', 'mark the first one as a prospect', 'change the status of Olga Other to prospect']) {
      const r = await assistant.chat(h.f.rep, { threadId: 's1', message: m });
      console.log(m, '\n', JSON.stringify({ answer: r.answer, calls: r.toolCalls, pending: r.pendingApprovals }, null, 1));
    }
    console.log(await h.core.approvals.list(h.f.manager, { status: 'all' }));
  });
});
