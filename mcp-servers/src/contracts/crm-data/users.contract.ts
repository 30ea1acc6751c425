import { ROLES, Role } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';

/** Who the connected user is: what "my leads" and "how am I doing" filter by (REST: GET /auth/me). */
export const GetCurrentUser = {
  name: 'get_current_user',
  input: z.object({}).strict(),
  output: z.object({
    id: z.uuid().describe('User id: pass as assignedTo (search_contacts) or ownerId (list_follow_ups) for "my" records'),
    tenantId: z.uuid(),
    name: z.string(),
    email: z.string().nullable().describe('null for an automation (system) actor acting for nobody'),
    role: z.enum([...ROLES, 'SYSTEM']).describe('SALES_REP sees only own contacts; SALES_MANAGER and ADMIN see the whole team'),
    kind: z.enum(['user', 'system']).describe('system: an automation (workflow, agent) acting in the tenant'),
    onBehalfOf: z.uuid().nullable().describe('For a system actor: the user it acts for'),
  }),
} satisfies ToolContract;

/** The team directory (REST: GET /users): whom to assign work to, whose name an owner id is. */
export const ListUsers = {
  name: 'list_users',
  input: z
    .object({
      role: Role.optional().describe('Only people with this role'),
      includeDeactivated: z.boolean().default(false).describe('Also people whose access was removed'),
    })
    .strict(),
  output: z.object({
    users: z
      .array(z.object({ id: z.uuid(), name: z.string(), email: z.string(), role: Role, active: z.boolean() }))
      .describe('Ordered by email'),
  }),
} satisfies ToolContract;
