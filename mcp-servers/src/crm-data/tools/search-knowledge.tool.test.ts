import { describe, expect, it } from 'vitest';
import { searchKnowledgeTool } from './search-knowledge.tool.ts';

type Result = Parameters<NonNullable<typeof searchKnowledgeTool.summarize>>[0];
const result = (titles: string[]) => ({ query: 'proposal', mode: 'hybrid', results: titles.map((title) => ({ title })) }) as unknown as Result;

describe('search_knowledge summary line', () => {
  // exploratory QA with the MCP Inspector: "5 passages for "proposal": Writing a Proposal; Writing a Proposal; Writing a Proposal"
  it('names each source once, with how many passages it gave', () => {
    const summarize = searchKnowledgeTool.summarize!;
    expect(summarize(result(['Writing a Proposal', 'Writing a Proposal', 'Writing a Proposal', 'FOLLOW-UP CADENCE', 'Email with Hiroshi']))).toBe(
      '5 passages for "proposal": Writing a Proposal (3); FOLLOW-UP CADENCE; Email with Hiroshi',
    );
    expect(summarize(result(['A', 'B', 'C', 'D']))).toBe('4 passages for "proposal": A; B; C; …');
    expect(summarize(result([]))).toBe('No passages found for "proposal"');
  });
});
