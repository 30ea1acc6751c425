import { AppError, isAppError } from '@crm/core/contracts';
import { AddDocument } from '../../contracts/crm-data/knowledge.contract.ts';
import { defineTool } from '../../framework/tool.ts';

/** Core names the file's bytes `bytes`; this tool takes them as `content`. */
function asContentIssue(err: unknown): unknown {
  if (!isAppError(err) || err.code !== 'VALIDATION_FAILED' || !Array.isArray(err.details)) return err;
  const details = err.details as { path: string; reason: string }[];
  if (!details.some((d) => d.path === 'bytes')) return err;
  return AppError.validation(details.map((d) => (d.path === 'bytes' ? { ...d, path: 'content' } : d)));
}

export const addDocumentTool = defineTool(AddDocument, {
  title: 'Add a document to the knowledge base',
  description:
    'Store a Markdown, text, HTML or PDF document (base64 for PDF) in the knowledge base so search_knowledge can find it. ' +
    'Adding the same source again replaces it when the content changed and does nothing when it did not; delete_document removes one.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  handler: async ({ filename, content, encoding, source }, { core, actor }) => {
    const bytes = encoding === 'base64' ? new Uint8Array(Buffer.from(content, 'base64')) : new TextEncoder().encode(content);
    const r = await core.knowledge.addDocument(actor, { filename, bytes, source }).catch((err: unknown) => {
      throw asContentIssue(err);
    });
    const d = r.document;
    return { status: r.status, chunks: r.chunks, document: { id: d.id, title: d.title, type: d.type, source: d.source, uri: d.uri, chunkCount: d.chunkCount } };
  },
  summarize: (r) => `${r.status} "${r.document.title}" (${r.chunks} chunks) — ${r.document.uri}`,
});
