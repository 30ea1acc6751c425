import { ListUsers } from '../../contracts/crm-data/users.contract.ts';
import { defineTool, READ_ONLY } from '../../framework/tool.ts';

export const listUsersTool = defineTool(ListUsers, {
  title: 'List users',
  description: 'The team directory (id, name, email, role, active): names an owner id.',
  annotations: READ_ONLY,
  async handler({ role, includeDeactivated }, { core, actor }) {
    const users = await core.users.list(actor, { role, includeDeactivated });
    return { users: users.map((u) => ({ id: u.id, name: u.name, email: u.email, role: u.role, active: u.status === 'active' })) };
  },
  summarize: (out) =>
    out.users.length
      ? `${out.users.length} user(s): ${out.users.slice(0, 5).map((u) => `${u.name} (${u.role}${u.active ? '' : ', deactivated'})`).join(', ')}${out.users.length > 5 ? ', …' : ''}`
      : 'No users match.',
});
