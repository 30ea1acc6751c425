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
      ? `${r.results.length} passages for "${r.query}"${r.vectorSearch === 'unavailable' ? ' (full-text only)' : ''}: ${sources(r.results.map((x) => x.title))}`
      : `No passages found for "${r.query}"`,
});

/** The first three sources, each once, with how many passages it gave: "Writing a Proposal (3); Follow-up cadence". */
function sources(titles: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const t of titles) counts.set(t, (counts.get(t) ?? 0) + 1);
  const named = [...counts].slice(0, 3).map(([t, n]) => (n > 1 ? `${t} (${n})` : t));
  return counts.size > 3 ? `${named.join('; ')}; …` : named.join('; ');
}
