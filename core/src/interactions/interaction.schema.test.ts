import { describe, expect, it } from 'vitest';
import { LogInteractionInput } from './interaction.schema.ts';

const HOUR = 3600_000;
const base = { contactId: '37caccc1-ac2b-4ef8-9161-165157f146b9', type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND' } as const;
const at = (ms: number) => new Date(Date.now() + ms).toISOString();

describe('LogInteractionInput.occurredAt', () => {
  it('accepts the past and a little ahead (a client clock or time zone off by hours)', () => {
    expect(LogInteractionInput.safeParse({ ...base, occurredAt: at(-400 * 24 * HOUR) }).success).toBe(true);
    expect(LogInteractionInput.safeParse({ ...base, occurredAt: at(12 * HOUR) }).success).toBe(true);
  });

  // a typo like 2099 set the contact's lastContactDate to 2099 for good: it never looked stale again
  it('refuses a date more than a day ahead, naming the field', () => {
    const r = LogInteractionInput.safeParse({ ...base, occurredAt: at(3 * 24 * HOUR) });
    expect(r.success).toBe(false);
    expect(r.error!.issues).toEqual([expect.objectContaining({ path: ['occurredAt'], message: expect.stringMatching(/future/) })]);
  });
});
