import readline from 'node:readline/promises';
import { randomUUID } from 'node:crypto';
import { AppError, type Actor } from '@crm/core';
import type { Assistant, StepEvent, TurnResult } from '@crm/agents';
import { createRuntimeAssistant } from '../runtime/assistant.ts';
import { bootCore } from '../runtime/boot.ts';
import { ACTOR_OPTIONS, resolveCliActor } from './actor.ts';
import type { Command } from './command.types.ts';

const USAGE = 'crm chat [--message TEXT] [--json] [--thread ID] [--contact CONTACT_ID] [--user EMAIL]';

function describeEvent(e: StepEvent): string {
  switch (e.type) {
    case 'agent':
      return `→ ${e.agent} agent`;
    case 'tool_call':
      return `  ${e.tool}(${JSON.stringify(e.args).slice(0, 120)})`;
    case 'tool_result':
      return `  ${e.ok ? '✓' : '✗'} ${e.summary}`;
    case 'approval_required':
      return `  waiting for approval: ${e.calls.map((c) => `${c.tool} — ${c.reason} (approval ${c.approvalId})`).join('; ')}`;
    case 'refused':
      return `  refused ${e.tool}: ${e.reason}`;
    case 'research':
      return `  research ${describeResearch(e)}`;
  }
}

function describeResearch(e: Extract<StepEvent, { type: 'research' }>): string {
  switch (e.step) {
    case 'scope':
      return `scope: contact ${e.contactId} ${e.ok ? '(its record and notes, plus the knowledge base)' : `— ${e.summary}`}`;
    case 'named':
      return `named "${e.name}": ${e.contactId ? `scoped to contact ${e.contactId}` : `${e.matches} contact(s) of that name, unscoped`}`;
    case 'decide':
      return `decide: ${e.retrieve ? 'retrieve' : 'no retrieval'} (${e.reason})`;
    case 'rewrite':
      return `rewrite #${e.attempt}: "${e.query}"`;
    case 'retrieve':
      return `retrieve #${e.attempt}: ${e.ok ? `${e.passages} passage(s)` : e.summary}`;
    case 'grade':
      return `grade #${e.attempt}: ${e.relevant}/${e.graded} relevant`;
    case 'answer':
      return `answer: ${e.known ? `cites ${e.citations.join(' ')}` : "I don't know"}${e.dropped ? ` (${e.dropped} unsupported claim(s) dropped)` : ''}`;
  }
}

type Ask = (question: string) => Promise<string | undefined>;

/**
 * Questions on the terminal, answered from a queue of stdin's lines. `rl.question` lost the lines a
 * script piped in ahead of the prompt and then failed with "readline was closed" (exit 70); the
 * line iterator keeps them. undefined at the end of input.
 */
function terminalAsk(rl: readline.Interface): Ask {
  const lines = rl[Symbol.asyncIterator]();
  return async (question) => {
    process.stdout.write(question);
    const next = await lines.next();
    return next.done ? undefined : String(next.value);
  };
}

/** Ask on the terminal for each call waiting for approval, then resume the turn once. No answer (end of input) rejects. */
async function settleApprovals(assistant: Assistant, actor: Actor, threadId: string, result: TurnResult, ask: Ask | undefined): Promise<TurnResult> {
  let current = result;
  while (current.pendingApprovals?.length && ask) {
    const decisions: Record<string, 'approve' | 'reject'> = {};
    for (const p of current.pendingApprovals) {
      const answer = await ask(`Approve ${p.tool} ${JSON.stringify(p.args)} (${p.reason})? [y/N] `);
      if (answer === undefined) process.stdout.write('(no answer: rejected)\n');
      decisions[p.callId] = /^y(es)?$/i.test((answer ?? '').trim()) ? 'approve' : 'reject';
    }
    current = await assistant.decide(actor, { threadId, decisions }, { onToken: (t) => process.stdout.write(t) });
    process.stdout.write('\n');
  }
  return current;
}

export const chatCommand: Command = {
  summary: 'Chat with your CRM (the configured chat model, offline planner by default; conversations kept; streaming; --message for one turn, --json for answer, citations and tool calls; --contact ID scopes research to one contact: its record and notes)',
  usage: USAGE,
  options: { ...ACTOR_OPTIONS, message: { type: 'string', short: 'm' }, json: { type: 'boolean' }, thread: { type: 'string' }, contact: { type: 'string' } },
  async run({ values, logger }) {
    if (values.message !== undefined && (typeof values.message !== 'string' || !values.message.trim())) {
      throw new AppError('VALIDATION_FAILED', 'Empty --message', { details: [{ path: 'message', reason: 'must not be empty' }] });
    }
    // research scoped to one contact (its record and notes plus the knowledge base); the assistant checks the id
    const scope = typeof values.contact === 'string' ? { contactId: values.contact.trim() } : {};
    const booted = await bootCore(logger);
    let closeChat = async () => {};
    try {
      const actor = await resolveCliActor(booted.core, values);
      // the runtime's assistant: the configured chat model; the conversation is stored in the
      // database, so `--thread ID` continues it in a later process
      const chat = createRuntimeAssistant(booted.runtime);
      closeChat = () => chat.close();
      const { assistant } = chat;
      const threadId = typeof values.thread === 'string' ? values.thread : randomUUID();
      const json = values.json === true;
      if (typeof values.message === 'string') {
        const result = await assistant.chat(actor, { threadId, message: values.message, ...scope }, json ? {} : { onToken: (t) => process.stdout.write(t), onEvent: (e) => process.stderr.write(`${describeEvent(e)}\n`) });
        if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else process.stdout.write('\n');
        return 0;
      }
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      const ask = terminalAsk(rl);
      process.stdout.write(`Chatting as ${actor.email} (${chat.model === 'local' ? 'offline planner' : chat.model}; conversation ${threadId}: continue it later with --thread ${threadId}; "exit" to quit).\n`);
      try {
        for (;;) {
          const line = ((await ask('> ')) ?? 'exit').trim();
          if (!line) continue;
          if (line === 'exit' || line === 'quit') break;
          const result = await assistant.chat(actor, { threadId, message: line, ...scope }, { onToken: (t) => process.stdout.write(t), onEvent: (e) => process.stderr.write(`${describeEvent(e)}\n`) });
          process.stdout.write('\n');
          await settleApprovals(assistant, actor, threadId, result, ask);
        }
      } finally {
        rl.close();
      }
      return 0;
    } finally {
      await closeChat().catch(() => {});
      await booted.close();
    }
  },
};
