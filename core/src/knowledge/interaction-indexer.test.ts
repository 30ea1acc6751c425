import { describe, expect, it } from 'vitest';
import { interactionDrafts, type InteractionSourceRow } from './interaction-indexer.ts';
import { isZeroVector, vectorLiteral } from './vector-store.ts';
import { vectorBinary } from './pgvector.store.ts';

const row: InteractionSourceRow = {
  id: '7d4c9f5e-1f0a-4c7e-9a39-2f1d1b7c0a11',
  contact_id: '0b7f6f6e-9e0c-4b8e-8d35-6a7e9f8a1c22',
  user_id: null,
  type: 'PHONE_CALL',
  direction: 'OUTBOUND',
  subject: 'Pricing follow-up',
  content: 'Walked through the Growth package.',
  outcome: 'Sending a proposal',
  created_at: '2025-05-02T10:00:00Z',
  first_name: 'Riley',
  last_name: 'Chen',
  company: 'Northbridge Realty',
};

describe('interaction chunks', () => {
  it('carry contact, company, subject, content and outcome, dated when the interaction happened', () => {
    const [d, ...rest] = interactionDrafts(row);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      kind: 'interaction',
      interactionId: row.id,
      contactId: row.contact_id,
      documentId: null,
      heading: 'Phone call with Riley Chen (Northbridge Realty) on 2025-05-02 — Pricing follow-up',
      text: 'Walked through the Growth package.\n\nOutcome: Sending a proposal',
      occurredAt: new Date('2025-05-02T10:00:00Z'),
      metadata: { title: 'Phone call with Riley Chen (Northbridge Realty) on 2025-05-02', type: 'PHONE_CALL' },
    });
  });

  it('split long notes into overlapping chunks and keep empty ones findable by heading', () => {
    const long = interactionDrafts({ ...row, content: Array.from({ length: 60 }, (_, i) => `Sentence number ${i} about the campaign.`).join(' ') });
    expect(long.length).toBeGreaterThan(1);
    expect(long.map((c) => c.chunkIndex)).toEqual(long.map((_, i) => i));
    expect(new Set(long.map((c) => c.contentHash)).size).toBe(long.length);
    const empty = interactionDrafts({ ...row, type: 'WEBSITE_VISIT', subject: null, content: '', outcome: null, company: null });
    expect(empty).toHaveLength(1);
    expect(empty[0]).toMatchObject({ heading: 'Website visit with Riley Chen on 2025-05-02', text: '' });
  });
});

describe('vector encodings', () => {
  it('writes pgvector text and binary forms', () => {
    expect(vectorLiteral([0, 0.5, -0.123456789])).toBe('[0,0.5,-0.1234568]');
    const buf = vectorBinary([1, -2]);
    expect([buf.readInt16BE(0), buf.readInt16BE(2), buf.readFloatBE(4), buf.readFloatBE(8)]).toEqual([2, 0, 1, -2]);
    expect(isZeroVector([0, 0])).toBe(true);
    expect(isZeroVector([0, 1e-9])).toBe(false);
  });
});
