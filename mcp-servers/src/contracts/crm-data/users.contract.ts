import { ROLES } from '@crm/core';
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
