import { describe, expect, it } from 'vitest';
import { ListContactsQuery } from './contact.schema.ts';

describe('ListContactsQuery.search', () => {
  // a search typed on macOS can arrive decomposed (u + U+0308); names are stored composed
  it('is compared in composed (NFC) form', () => {
    const typed = '  Müllerová '.normalize('NFD');
    expect(ListContactsQuery.parse({ search: typed }).search).toBe('Müllerová'.normalize('NFC'));
  });
});
