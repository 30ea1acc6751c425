export { openAgentHarness } from './agent-harness.ts';
export type { AgentHarness } from './agent-harness.ts';
export { ScriptedChatModel, callTool, say } from './scripted-chat-model.ts';
export type { ScriptStep } from './scripted-chat-model.ts';
