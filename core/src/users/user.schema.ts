import { z } from 'zod';

export const ROLES = ['ADMIN', 'SALES_MANAGER', 'SALES_REP', 'MARKETING_MANAGER'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const User = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.date(),
});
export type User = z.infer<typeof User>;

export const CreateUserInput = z
  .object({
    email: z.string().trim().toLowerCase().pipe(z.email('must be a valid email address')),
    name: z.string().trim().min(1).max(200),
    role: Role,
  })
  .strict();
export type CreateUserInput = z.input<typeof CreateUserInput>;

/** Who is acting: every service call takes one, and permissions are checked against it. */
export interface Actor {
  userId: string;
  tenantId: string;
  role: Role;
}
