import { Contact } from '@crm/core';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ContactPage } from './contacts.routes.ts';
import { objectSerializer, pageSerializer, serializerFor } from './json-serializer.ts';
import { jsonSerializerCompiler } from './zod-route.ts';

const contactJson = objectSerializer(Contact);
const pageJson = pageSerializer(contactJson);

const contact = (over: Record<string, unknown> = {}) => ({
  id: '0b34a9c6-bfdb-480f-8c32-3d7979ccf804',
  tenantId: '5c5d0202-f310-48e9-870a-7c8667068a54',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  phone: null,
  company: 'Northbridge',
  position: null,
  leadScore: 13.5,
  status: 'LEAD',
  source: 'manual',
  assignedTo: null,
  customFields: {},
  metadata: {},
  lastContactDate: null,
  createdAt: new Date('2026-11-30T00:48:34.066Z'),
  updatedAt: new Date('2026-11-30T00:48:34.388Z'),
  ...over,
});

const page = (data: unknown[], over: Record<string, unknown> = {}) => ({
  data,
  pagination: { page: 1, limit: 20, totalPages: 1, hasNextPage: false, hasPreviousPage: false },
  totalCount: data.length,
  totalCountExact: true,
  ...over,
});

describe('contact and page serializers write what JSON.stringify writes', () => {
  const cases: [string, unknown][] = [
    ['a contact as core maps it', contact()],
    ['every nullable field set', contact({ phone: '+44 20 7946 0000', position: 'CTO', assignedTo: 'd2b8e0f4-5c1a-4c55-9a43-1f3f0c7c2a11', lastContactDate: new Date(0) })],
    ['text that needs escaping', contact({ firstName: 'A "quoted"\\ name\n\t', lastName: '\u0001\u001f\u2028\u2029</script>', company: 'Ünïcødé 😀', position: '\ud800 lone surrogate' })],
    ['nested custom fields and metadata', contact({ customFields: { tier: 'gold', n: 3, list: [1, 'x', null, { d: new Date(5) }], at: new Date(7), gone: undefined }, metadata: { ipAddress: '127.0.0.1', referrer: undefined } })],
    ['an invalid date', contact({ updatedAt: new Date(Number.NaN) })],
    ['a key left undefined', contact({ phone: undefined })],
    ['an extra key', { ...contact(), extra: 1 }],
    ['keys in another order', Object.assign({ createdAt: new Date(1) }, contact())],
    ['a missing key', (() => { const c: Record<string, unknown> = contact(); delete c.metadata; return c; })()],
    ['non-finite numbers', contact({ leadScore: Number.NaN })],
    ['a value of another type', contact({ leadScore: '13', status: 42, customFields: null })],
    ['a date with its own toJSON', contact({ createdAt: Object.assign(new Date(1), { toJSON: () => 'mine' }) })],
    ['an object with toJSON', { toJSON: () => contact() }],
    ['a class instance', new (class Box { a = 1; })()],
    ['null', null],
    ['a string', 'text'],
    ['an array', [contact()]],
  ];
  it.each(cases)('contact: %s', (_what, value) => {
    expect(contactJson(value)).toBe(JSON.stringify(value));
  });

  const pages: [string, unknown][] = [
    ['a page of contacts', page([contact(), contact({ id: 'x', firstName: 'Bob' })])],
    ['an empty page', page([])],
    ['a page with holes and odd items', page([undefined, null, 'x', 3, contact({ extra: true }), () => 1])],
    ['a page missing a field', (() => { const p: Record<string, unknown> = page([contact()]); delete p.totalCountExact; return p; })()],
    ['a page field left undefined', page([contact()], { pagination: undefined })],
    ['a page with an extra key', { ...page([contact()]), contact: { id: 'c' } }],
    ['data that is not an array', page([], { data: { 0: contact() } })],
  ];
  it.each(pages)('page: %s', (_what, value) => {
    expect(pageJson(value)).toBe(JSON.stringify(value));
  });

  it('random contacts and pages', () => {
    const date = fc.oneof(fc.date(), fc.constant(new Date(Number.NaN)));
    const text = fc.string({ unit: 'binary' });
    const arbContact = fc.record({
      id: fc.uuid(),
      tenantId: fc.uuid(),
      firstName: text,
      lastName: text,
      email: fc.emailAddress(),
      phone: fc.option(text),
      company: fc.option(text),
      position: fc.option(text),
      leadScore: fc.double(),
      status: fc.constantFrom('LEAD', 'PROSPECT', 'CUSTOMER', 'INACTIVE'),
      source: text,
      assignedTo: fc.option(fc.uuid()),
      customFields: fc.dictionary(text, fc.jsonValue()),
      metadata: fc.record({ ipAddress: text, referrer: text }, { requiredKeys: [] }),
      lastContactDate: fc.option(date),
      createdAt: date,
      updatedAt: date,
    });
    fc.assert(
      fc.property(arbContact, (c) => contactJson(c) === JSON.stringify(c)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(arbContact, { maxLength: 5 }), fc.nat(), fc.boolean(), (data, totalCount, totalCountExact) => {
        const p = page(data, { totalCount, totalCountExact });
        return pageJson(p) === JSON.stringify(p);
      }),
      { numRuns: 100 },
    );
  });

  it('a contact and a page of them are written without JSON.stringify of the whole', () => {
    const c = contact();
    const p = page([c]);
    const spy = vi.spyOn(JSON, 'stringify');
    try {
      contactJson(c);
      pageJson(p);
      expect(spy).not.toHaveBeenCalledWith(c);
      expect(spy).not.toHaveBeenCalledWith(p);
    } finally {
      spy.mockRestore();
    }
  });

  it('the contact routes use them; other schemas get JSON.stringify', () => {
    expect(serializerFor(Contact)).toBeDefined();
    expect(serializerFor(ContactPage)).toBeDefined();
    expect(jsonSerializerCompiler({ schema: ContactPage })(page([contact()]))).toBe(JSON.stringify(page([contact()])));
    expect(serializerFor({})).toBeUndefined();
    expect(jsonSerializerCompiler({ schema: {} })({ a: new Date(0) })).toBe('{"a":"1970-01-01T00:00:00.000Z"}');
  });
});
