import { holds } from '../../framework/access.ts';
import { RotateWebhookSecret } from '../../contracts/workflow/workflow.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const rotateWebhookSecretTool = defineTool(RotateWebhookSecret, {
  title: 'Rotate webhook secret',
  description:
    "Give a WEBHOOK workflow a new inbound signing secret (HMAC-SHA256 over \"<timestamp>.<body>\", headers x-crm-timestamp and x-crm-signature). The secret is returned only now; the previous one stops verifying at once.",
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  access: holds('workflows:write'),
  precheck: (input, { core, actor }) => core.workflows.checks.rotateWebhookSecret(actor, input.id),
  handler: (input, { core, actor }) => core.workflows.rotateWebhookSecret(actor, input.id),
  summarize: (r) => `New webhook secret for workflow ${r.workflowId} (shown once; the old one no longer verifies).`,
});
