import { TenantSettings, UpdateTenantSettingsInput } from '@crm/core/contracts';
import { z } from 'zod';
import type { ToolContract } from '../../framework/tool.ts';

export const GetTenantSettings = { name: 'get_tenant_settings', input: z.object({}).strict(), output: TenantSettings } satisfies ToolContract;

export const UpdateTenantSettings = {
  name: 'update_tenant_settings',
  input: UpdateTenantSettingsInput,
  output: TenantSettings,
} satisfies ToolContract;
