import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { toJsonValue } from '../../framework/json.ts';

type Message = GetPromptResult['messages'][number];

/** A JSON document embedded in a prompt as a resource, so the client can show where it came from. */
export function embedJson(uri: string, value: unknown): Message {
  return { role: 'user', content: { type: 'resource', resource: { uri, mimeType: 'application/json', text: JSON.stringify(toJsonValue(value), null, 1) } } };
}

export function userText(text: string): Message {
  return { role: 'user', content: { type: 'text', text } };
}

/** Trim long notes so a prompt over a chatty contact stays within a model's context. */
export function compactInteraction<T extends { content: string }>(i: T, max = 1500): T {
  return i.content.length > max ? { ...i, content: `${i.content.slice(0, max)}… [truncated]` } : i;
}
