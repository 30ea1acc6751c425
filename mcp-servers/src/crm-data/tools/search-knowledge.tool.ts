import { SearchKnowledge } from '../../contracts/crm-data/knowledge.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const searchKnowledgeTool = defineTool(SearchKnowledge, {
  title: 'Search the knowledge base',
  description:
    "Search the business's own knowledge — service packages, pricing, objection handling, case studies, playbooks — and " +
    'logged call notes and emails, by meaning and by keywords (hybrid). Each result has the verbatim passage and a uri to cite. ' +
    'Filter by contactId for one contact\'s history, or by types.',
  annotations: READ_ONLY,
  handler: (args, { core, actor }) => core.knowledge.search(actor, args),
  summarize: (r) =>
    r.results.length
      ? `${r.results.length} passages for "${r.query}"${r.vectorSearch === 'unavailable' ? ' (full-text only)' : ''}: ${r.results.map((x) => x.title).slice(0, 3).join('; ')}`
      : `No passages found for "${r.query}"`,
});
