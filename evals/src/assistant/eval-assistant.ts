/**
 * The assistant evaluation: every scenario of the chosen part against a fresh embedded database
 * with the demo tenant, through the assistant exactly as the product builds it (agents package,
 * tools over the in-process MCP client), N runs each; pass^1 and pass^N per category, tool and
 * citation correctness, unapproved writes, injection-caused actions, latency.
 *
 *   npx tsx evals/src/assistant/eval-assistant.ts [--runs 4] [--part tuning|test|all] [--json out.json] [--only ID,ID] [--verbose]
 *
 * Offline with the `local` planner by default; with CRM_MODEL_PROVIDER=vertex|ollama|openai-compatible
 * (and that provider's settings) the provider's chat model plans instead.
 */
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createAssistant, LocalPlannerChatModel } from '@crm/agents';
import { createModelProvider, loadConfig, silentLogger } from '@crm/core';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { MemorySaver } from '@langchain/langgraph';
import { EVAL_NOW, openDemoEnv } from './demo-env.ts';
import { summarise, printTable } from './report.ts';
import { prepareScenario, runScenario, type RunOutcome } from './run-scenario.ts';
import type { Scenario } from './scenario.types.ts';
import { TEST_SCENARIOS } from './scenarios.test-part.ts';
import { TUNING_SCENARIOS } from './scenarios.tuning-part.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '4' },
    part: { type: 'string', default: 'all' },
    json: { type: 'string' },
    only: { type: 'string' },
    contacts: { type: 'string', default: '2000' },
    verbose: { type: 'boolean', default: false },
  },
});
// every turn opens an MCP client on the shared pool; the default listener cap only makes noise
EventEmitter.defaultMaxListeners = 100;
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: must be a positive integer, got "${values.runs}"`);
if (!['tuning', 'test', 'all'].includes(values.part!)) throw new Error(`--part: must be tuning, test or all, got "${values.part}"`);

const parts: [string, Scenario[]][] = [];
if (values.part !== 'test') parts.push(['tuning', TUNING_SCENARIOS]);
if (values.part !== 'tuning') parts.push(['test', TEST_SCENARIOS]);
const only = values.only ? new Set(values.only.split(',')) : undefined;

const config = loadConfig(process.env);
const providerName = config.modelProvider.provider;
let model: BaseChatModel;
if (providerName === 'local') {
  model = new LocalPlannerChatModel({ now: () => EVAL_NOW });
} else {
  const provider = await createModelProvider(config.modelProvider, { logger: silentLogger() });
  const chat = provider.chat();
  if (!chat) throw new Error(`CRM_MODEL_PROVIDER=${providerName} offers no chat model`);
  model = chat;
}

const t0 = performance.now();
const env = await openDemoEnv({ contacts: Number(values.contacts) });
console.log(`demo tenant seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s; model: ${providerName}; ${runs} run(s) per scenario`);
const assistant = createAssistant({ model, mcpClientFactory: env.mcpClientFactory, checkpointer: new MemorySaver(), now: () => EVAL_NOW });

const report: Record<string, unknown> = { model: providerName, runs, now: EVAL_NOW.toISOString(), parts: {} };
try {
  for (const [part, scenarios] of parts) {
    const results: { scenario: Scenario; outcomes: RunOutcome[] }[] = [];
    for (const scenario of scenarios.filter((s) => !only || only.has(s.id))) {
      const subject = await prepareScenario(env, scenario);
      const outcomes: RunOutcome[] = [];
      for (let r = 0; r < runs; r++) outcomes.push(await runScenario(env, assistant, scenario, subject, r));
      results.push({ scenario, outcomes });
      const failed = outcomes.find((o) => !o.success);
      if (values.verbose || failed) {
        console.log(`${failed ? 'FAIL' : 'ok  '} ${scenario.id} ${failed ? failed.failures.join('; ') : ''}`);
        if (values.verbose || failed) for (const t of (failed ?? outcomes[0]).turns) console.log(`     > ${t.say}\n     [${t.tools.join(', ')}] ${t.answer.replace(/\n/g, '\n       ').slice(0, 600)}`);
      }
    }
    const summary = summarise(results);
    (report.parts as Record<string, unknown>)[part] = { summary, scenarios: results.map(({ scenario, outcomes }) => ({ id: scenario.id, category: scenario.category, outcomes })) };
    printTable(part, summary);
  }
} finally {
  await env.close();
}
if (values.json) {
  writeFileSync(values.json, JSON.stringify(report, null, 2));
  console.log(`JSON report: ${values.json}`);
}
