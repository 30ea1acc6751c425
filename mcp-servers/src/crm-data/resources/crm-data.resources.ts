import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { ContactOut, FollowUpOut, InteractionOut, contactName } from '../../contracts/crm-data/common.contract.ts';
import { toJsonValue } from '../../framework/json.ts';
import { guarded, guardedList } from '../../framework/mcp-errors.ts';
import type { ModuleContext } from '../../framework/server-module.ts';
import { completeContactRef, contactUri, DUE_FOLLOW_UPS_URI, resolveContactRef, timelineUri } from './contact-ref.ts';

const json = (uri: string, value: unknown): ReadResourceResult => ({
  contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(toJsonValue(value)) }],
});

const variable = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

/** How many contacts resources/list offers (most recently updated first); the rest by template. */
const LISTED_CONTACTS = 20;

export function registerCrmDataResources(server: McpServer, ctx: ModuleContext): void {
  const { logger } = ctx;
  const complete = { id: (value: string) => completeContactRef(ctx.deps.core, ctx.deps.actor, value) };

  server.registerResource(
    'contact',
    new ResourceTemplate('crm://contacts/{id}', {
      list: guardedList(logger, async (extra) => {
        const { actor, core } = ctx.context(extra);
        const page = await core.contacts.list(actor, { limit: LISTED_CONTACTS, sort: 'updatedAt', order: 'desc' });
        return {
          resources: page.data.map((c) => ({
            uri: contactUri(c.id),
            name: `contact-${c.id}`,
            title: `${contactName(c)}${c.company ? ` (${c.company})` : ''}`,
            mimeType: 'application/json',
          })),
        };
      }),
      complete,
    }),
    {
      title: 'Contact',
      description: 'One contact with every field, as JSON. {id} is the contact id or its email address. Subscribe to hear about changes.',
      mimeType: 'application/json',
    },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const contact = await resolveContactRef(core, actor, variable(vars.id));
      return json(uri.href, ContactOut.parse(toJsonValue(contact)));
    }),
  );

  server.registerResource(
    'contact-timeline',
    new ResourceTemplate('crm://contacts/{id}/timeline', { list: undefined, complete }),
    {
      title: 'Contact timeline',
      description: 'The 50 most recent interactions with a contact, newest first, as JSON. {id} is the contact id or email address.',
      mimeType: 'application/json',
    },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const contact = await resolveContactRef(core, actor, variable(vars.id));
      const timeline = await core.interactions.timeline(actor, contact.id, { limit: 50 });
      return json(uri.href, { contact: timeline.contact, interactions: timeline.interactions.map((i) => InteractionOut.parse(toJsonValue(i))) });
    }),
  );

  server.registerResource(
    'due-follow-ups',
    DUE_FOLLOW_UPS_URI,
    {
      title: 'Follow-ups due today',
      description: 'Open follow-ups due by the end of today (UTC), including overdue ones, earliest first. Sales reps see their own.',
      mimeType: 'application/json',
    },
    guarded(logger, 'resources/read', async (uri, extra) => {
      const { actor, core } = ctx.context(extra);
      const followUps = await core.followUps.list(actor, { scope: 'due', limit: 200 });
      return json(uri.href, { followUps: followUps.map((f) => FollowUpOut.parse(toJsonValue(f))) });
    }),
  );

  server.registerResource(
    'kb-document',
    new ResourceTemplate('crm://kb/{id}', {
      list: guardedList(logger, async (extra) => {
        const { actor, core } = ctx.context(extra);
        const docs = await core.knowledge.listDocuments(actor, { limit: 50 });
        return { resources: docs.documents.map((d) => ({ uri: d.uri, name: `kb-${d.id}`, title: d.title, mimeType: 'text/plain' })) };
      }),
    }),
    {
      title: 'Knowledge-base document',
      description: 'A document of the knowledge base (playbook, pricing, case study…) as its extracted plain text (title, blank line, body): what search_knowledge results cite.',
      mimeType: 'text/plain',
    },
    guarded(logger, 'resources/read', async (uri, vars, extra) => {
      const { actor, core } = ctx.context(extra);
      const doc = await core.knowledge.getDocument(actor, variable(vars.id));
      // the stored text is what the parser extracted (a Markdown file's headings and emphasis are
      // flattened to plain lines, a PDF's or DOCX's layout is gone), so it is served as text/plain,
      // never as Markdown it is not. It starts with the title (the H1, flattened): not twice
      const body = doc.text === doc.title || doc.text.startsWith(`${doc.title}\n`) ? doc.text.slice(doc.title.length).trimStart() : doc.text;
      return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: `${doc.title}\n\n${body}` }] };
    }),
  );
}

export { contactUri, timelineUri };
