import { CONDITION_OPERATORS, STEP_TYPES, TRIGGER_TYPES, WORKFLOW_TEMPLATES } from '@crm/core/contracts';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { guarded } from '../framework/mcp-errors.ts';
import type { ModuleContext } from '../framework/server-module.ts';

const GUIDE = `Turn the automation described below into ONE workflow definition (JSON) for create_workflow.

Shape: { name, description, trigger: { type, conditions: [{ field, operator, value }], schedule?: { cron, timezone } },
steps: [{ id, name, type, config, conditions?, nextSteps, onError? }], variables, tags }.
- trigger.type: ${TRIGGER_TYPES.join(', ')} (TIME_BASED needs schedule.cron).
- step types and config: SEND_EMAIL {to?, subject, body}; CREATE_TASK {title, notes?, dueInHours}; UPDATE_CONTACT {status?, company?, position?, customFields?};
  AI_DECISION {question, branches: [{stepId, description}], fallback: {rules: [{when: [conditions], goTo}], default}} (every branch must be in nextSteps);
  WAIT {seconds|minutes|hours|days}; WEBHOOK_CALL {url, method?, body?}; ASSIGN_USER {userIds}.
- operators: ${CONDITION_OPERATORS.join(', ')}; fields start with contact., event., variables., input. or steps.
- templates: {{contact.firstName}}, {{event.to}}, {{variables.name}} (declare it in variables), {{input.x}}.
- The first step runs first; every step must be reachable; loops need a WAIT; onError: {strategy: retry|skip|fail|goto, maxRetries ≤ 3, gotoStep}.
Then: call dry_run_workflow with the definition to show who would enter and what would be sent, fix any validation error
(each names the step and field), and only create_workflow once the user agrees. Leave it inactive unless asked.`;

export function registerDesignWorkflowPrompt(server: McpServer, ctx: ModuleContext): void {
  server.registerPrompt(
    'design_workflow',
    {
      title: 'Design a workflow',
      description: 'Turn a plain-language automation ("when a lead scores above 80, create a task and email sales") into a validated workflow definition.',
      argsSchema: { description: z.string().min(3).describe('The automation in plain language') },
    },
    guarded(ctx.logger, 'prompts/get', async ({ description }) => ({
      description: 'Design a workflow definition',
      messages: [
        {
          role: 'user' as const,
          content: {
            type: 'text' as const,
            text: `${GUIDE}\n\nStep types: ${STEP_TYPES.join(', ')}. Example (the shipped template "${WORKFLOW_TEMPLATES[0].name}"):\n${JSON.stringify(WORKFLOW_TEMPLATES[0].definition)}\n\nAutomation to build:\n${description}`,
          },
        },
      ],
    })),
  );
}
