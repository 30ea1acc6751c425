import type { BaseMessage } from '@langchain/core/messages';

/**
 * The most recent messages that fit `max`, cut only where a user message starts a turn — so an
 * AI tool call is never separated from its tool results (providers reject a dangling pair). The
 * current turn is always kept whole, even when it alone is longer than `max`.
 */
export function trimHistory(messages: readonly BaseMessage[], max = 60): BaseMessage[] {
  if (messages.length <= max) return [...messages];
  const starts = messages.map((m, i) => (m.getType() === 'human' ? i : -1)).filter((i) => i >= 0);
  const fits = starts.find((i) => messages.length - i <= max);
  const from = fits ?? starts[starts.length - 1] ?? 0;
  return messages.slice(from);
}
