import { GetCurrentUser } from '../../contracts/crm-data/users.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const getCurrentUserTool = defineTool(GetCurrentUser, {
  title: 'Get current user',
  description: 'Who you act as: user id, name, email, role. Use the id for "my" contacts (assignedTo) and follow-ups (ownerId).',
  annotations: READ_ONLY,
  async handler(_args, { core, actor }) {
    const system = actor.kind === 'system';
    // a system actor (workflow, agent) is no person; the user it acts for, when there is one, names it
    const person = system ? (actor.onBehalfOf ? await core.users.get(actor, actor.onBehalfOf) : undefined) : await core.users.get(actor, actor.userId);
    return {
      id: actor.userId,
      tenantId: actor.tenantId,
      name: system ? `automation${actor.via ? ` ${actor.via}` : ''}${person ? ` for ${person.name}` : ''}` : person!.name,
      email: system ? null : person!.email,
      role: actor.role,
      kind: system ? 'system' : 'user',
      onBehalfOf: actor.onBehalfOf ?? null,
    };
  },
  summarize: (u) => `${u.name}${u.email ? ` <${u.email}>` : ''}, ${u.role}, user ${u.id}`,
});
