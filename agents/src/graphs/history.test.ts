import { AIMessage, HumanMessage, ToolMessage } from '@langchain/core/messages';
import { describe, expect, it } from 'vitest';
import { trimHistory } from './history.ts';

const turn = (n: number) => [
  new HumanMessage(`q${n}`),
  new AIMessage({ content: '', tool_calls: [{ id: `c${n}`, name: 'search_contacts', args: {}, type: 'tool_call' }] }),
  new ToolMessage({ content: 'r', tool_call_id: `c${n}` }),
  new AIMessage(`a${n}`),
];

describe('trimHistory', () => {
  it('cuts at turn starts, never between a tool call and its result', () => {
    const messages = [1, 2, 3].flatMap(turn);
    const trimmed = trimHistory(messages, 6);
    expect(trimmed.map((m) => m.content)).toEqual(['q3', '', 'r', 'a3']);
    for (const [i, m] of trimmed.entries()) if (ToolMessage.isInstance(m)) expect(AIMessage.isInstance(trimmed[i - 1])).toBe(true);
  });
  it('keeps the current turn whole even when it is longer than the limit', () => {
    expect(trimHistory(turn(1), 2)).toHaveLength(4);
  });
  it('keeps short histories as they are', () => {
    expect(trimHistory(turn(1), 10)).toHaveLength(4);
  });
});
