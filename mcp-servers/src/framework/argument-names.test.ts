import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { aliasArgumentNames } from './install-tools.ts';

const schema = z
  .object({
    contact_id: z.string().optional(),
    contact_data: z.object({ first_name: z.string().optional(), leadSource: z.string().optional() }).strict().optional(),
    leadScoreMin: z.number().optional(),
    customFields: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

describe('aliasArgumentNames', () => {
  it('reads the other case style as the tool\'s own name, at the top and in nested objects', () => {
    const args = { contactId: 'a', contact_data: { firstName: 'Ann', lead_source: 'web' }, lead_score_min: 50 };
    expect(aliasArgumentNames(args, schema)).toEqual({ contact_id: 'a', contact_data: { first_name: 'Ann', leadSource: 'web' }, leadScoreMin: 50 });
    expect(schema.safeParse(aliasArgumentNames(args, schema)).success).toBe(true);
    // the caller's object is not changed
    expect(args).toEqual({ contactId: 'a', contact_data: { firstName: 'Ann', lead_source: 'web' }, lead_score_min: 50 });
  });

  it('leaves free-form maps, exact names, unknown names and double spellings alone', () => {
    const args = { contact_id: 'a', contactId: 'b', customFields: { deal_size: 1, dealSize: 2 }, query: 'x' };
    expect(aliasArgumentNames(args, schema)).toBe(args);
    expect(aliasArgumentNames(null, schema)).toBeNull();
    expect(aliasArgumentNames(['contactId'], schema)).toEqual(['contactId']);
  });
});
