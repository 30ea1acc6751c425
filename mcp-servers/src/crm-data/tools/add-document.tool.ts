import { AppError } from '@crm/core/contracts';
import { writesKnowledge } from '../../framework/access.ts';
import { AddDocument } from '../../contracts/crm-data/knowledge.contract.ts';
import { defineTool } from '../../framework/tool.ts';

const STEPS = ['parse', 'chunk', 'embed', 'store'] as const;
const STEP_TEXT: Record<(typeof STEPS)[number], string> = { parse: 'parsing', chunk: 'chunking', embed: 'embedding the passages of', store: 'storing' };

export const addDocumentTool = defineTool(AddDocument, {
  title: 'Add a document to the knowledge base',
  description:
    'Store a Markdown, text, HTML or PDF document (base64 for PDF) in the knowledge base so search_knowledge can find it. ' +
    'Adding the same source again replaces it when the content changed and does nothing when it did not; delete_document removes one.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  access: writesKnowledge,
  handler: async ({ filename, content, encoding, source }, { core, actor, progress }) => {
    const bytes = encoding === 'base64' ? new Uint8Array(Buffer.from(content, 'base64')) : new TextEncoder().encode(content);
    // with a progressToken the client hears each step (parse, chunk, embed, store): a large document
    // takes long enough that a client without them may give up on a call that is still working
    const onStep = progress && ((step: (typeof STEPS)[number]) => progress(STEPS.indexOf(step), STEPS.length, `${STEP_TEXT[step]} ${filename}`));
    const r = await core.knowledge.addDocument(actor, { filename, bytes, source }, { onStep }).catch((err: unknown) => {
      throw AppError.renamingIssue(err, 'bytes', 'content'); // core's name for what this tool calls content
    });
    await progress?.(STEPS.length, STEPS.length, `${r.status} ${filename} (${r.chunks} chunks)`);
    const d = r.document;
    return { status: r.status, chunks: r.chunks, document: { id: d.id, title: d.title, type: d.type, source: d.source, uri: d.uri, chunkCount: d.chunkCount } };
  },
  summarize: (r) => `${r.status} "${r.document.title}" (${r.chunks} chunks) — ${r.document.uri}`,
});
