import { writesKnowledge } from '../../framework/access.ts';
import { DeleteDocument } from '../../contracts/crm-data/knowledge.contract.ts';
import { defineTool } from '../../framework/tool.ts';

export const deleteDocumentTool = defineTool(DeleteDocument, {
  title: 'Delete a knowledge-base document',
  description:
    'Remove a document and its indexed passages from the knowledge base, so search_knowledge no longer finds or cites it ' +
    '(REST: DELETE /api/v1/knowledge/documents/{id}). Audited; cannot be undone except by adding the document again. Needs knowledge write access.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  access: writesKnowledge,
  precheck: ({ id }, { core, actor }) => core.knowledge.checks.deleteDocument(actor, id),
  async handler({ id }, { core, actor }) {
    const r = await core.knowledge.deleteDocument(actor, id);
    return { deleted: r.deleted, id, chunks: r.chunks };
  },
  summarize: (r) => `Deleted document ${r.id} (${r.chunks} passage(s)).`,
});
