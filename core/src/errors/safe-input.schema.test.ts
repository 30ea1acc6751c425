import { describe, expect, it } from 'vitest';
import { CreateContactInput } from '../contacts/contact.schema.ts';
import { LogInteractionInput } from '../interactions/interaction.schema.ts';
import { parseOrThrow } from './zod-issues.ts';
import { boundedJsonObject, endOfBound, isoDate, jsonProblem, LocalDay, WallClockDate } from './safe-input.schema.ts';

const nested = (levels: number) => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = { a: v };
  return v as Record<string, unknown>;
};
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string; details: { path: string; reason: string }[] }).details.map((d) => `${d.path}: ${d.reason}`);
  }
  throw new Error('expected VALIDATION_FAILED');
};

describe('input that cannot poison', () => {
  it('bounds JSON depth without recursion, even thousands of levels deep', () => {
    expect(jsonProblem(nested(8), 8)).toBeUndefined();
    expect(jsonProblem(nested(9), 8)?.reason).toMatch(/at most 8 levels/);
    expect(jsonProblem(nested(100_000), 8)?.reason).toMatch(/at most 8 levels/);
    expect(boundedJsonObject().safeParse(nested(8)).success).toBe(true);
  });

  it('names the field of a too-deep, too-large or unstorable value', () => {
    const base = { firstName: 'A', lastName: 'B', email: 'a@b.io' };
    expect(issuesOf(() => parseOrThrow(CreateContactInput, { ...base, customFields: nested(5_000) }))[0]).toMatch(/^customFields\.a\.a.*levels deep/);
    expect(issuesOf(() => parseOrThrow(CreateContactInput, { ...base, customFields: { blob: 'x'.repeat(40_000) } }))).toEqual(['customFields: must serialise to at most 32 KiB of JSON']);
    const meta = { contactId: '00000000-0000-4000-8000-000000000000', type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND' };
    expect(issuesOf(() => parseOrThrow(LogInteractionInput, { ...meta, metadata: { big: 'y'.repeat(5_000_000) } }))).toEqual(['metadata: must serialise to at most 32 KiB of JSON']);
    expect(issuesOf(() => parseOrThrow(LogInteractionInput, { ...meta, metadata: { k: 'bad \uD800 half' } }))).toEqual(['metadata.k: must not contain unpaired UTF-16 surrogates']);
    expect(issuesOf(() => parseOrThrow(CreateContactInput, { ...base, company: 'Acme \uDC00' }))).toEqual(['company: must not contain unpaired UTF-16 surrogates']);
    // a well-formed pair is fine
    expect(parseOrThrow(CreateContactInput, { ...base, company: 'Acme 😀' }).company).toBe('Acme 😀');
  });

  it('refuses dates that do not exist instead of rolling them over', () => {
    const d = isoDate();
    expect(d.parse('2024-02-29').toISOString()).toBe('2024-02-29T00:00:00.000Z');
    // a date alone waits for the tenant's zone (LocalDay), as an offset-less time does (WallClockDate)
    expect(d.parse('2024-02-29')).toBeInstanceOf(LocalDay);
    expect(d.parse('2024-02-29T10:00')).toBeInstanceOf(WallClockDate);
    expect(d.parse('2024-02-29T10:00')).not.toBeInstanceOf(LocalDay);
    expect(d.parse('2024-02-29T10:00Z')).not.toBeInstanceOf(WallClockDate);
    expect(endOfBound(d.parse('2024-02-29')) - endOfBound(d.parse('2024-02-29T00:00Z'))).toBe(86_400_000);
    expect(d.parse('2025-03-01T09:30:00Z').toISOString()).toBe('2025-03-01T09:30:00.000Z');
    for (const bad of ['2025-02-30', '2023-02-29', '2025-04-31', '2025-13-01', '0000-01-01', '2025-01-01T24:00:00Z', 'next tuesday', 12]) {
      expect(d.safeParse(bad).success, String(bad)).toBe(false);
    }
    const meta = { contactId: '00000000-0000-4000-8000-000000000000', type: 'EMAIL', channel: 'EMAIL', direction: 'OUTBOUND' };
    expect(issuesOf(() => parseOrThrow(LogInteractionInput, { ...meta, occurredAt: '2025-02-30' }))[0]).toMatch(/^occurredAt: is not a real date/);
    expect(issuesOf(() => parseOrThrow(LogInteractionInput, { ...meta, occurredAt: '0000-06-01' }))[0]).toMatch(/^occurredAt: must be between the years 0001 and 9999/);
  });
});
