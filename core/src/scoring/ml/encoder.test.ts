import { describe, expect, it } from 'vitest';
import { Encoder, type FeatureRecord } from './encoder.ts';

const specs = [
  { name: 'visits', kind: 'numeric' as const },
  { name: 'source', kind: 'categorical' as const },
  { name: 'subscribed', kind: 'boolean' as const },
];

function rows(): FeatureRecord[] {
  const out: FeatureRecord[] = [];
  for (let i = 0; i < 100; i++) {
    out.push({
      visits: i % 10 === 0 ? null : i,
      source: i < 50 ? 'web' : i < 95 ? 'event' : `rare${i}`,
      subscribed: i % 3 === 0 ? true : i % 3 === 1 ? 'no' : null,
    });
  }
  out[1] = { ...out[1], source: null };
  return out;
}

describe('Encoder', () => {
  it('imputes medians with a missing indicator, one-hots categories with __other__ and __missing__', () => {
    const enc = Encoder.fit(specs, rows());
    expect(enc.featureNames).toEqual([
      'visits',
      'visits__missing',
      'source=web',
      'source=event',
      'source=__other__',
      'source=__missing__',
      'subscribed',
      'subscribed__missing',
    ]);
    expect(enc.featureGroups).toEqual(['visits', 'visits', 'source', 'source', 'source', 'source', 'subscribed', 'subscribed']);
    const fills = enc.toJSON().columns.map((c) => ('fill' in c ? c.fill : null));
    // Median of 1..99 without multiples of 10; share of true among the present booleans.
    expect(fills).toEqual([50, null, 34 / 67]);
    expect(Array.from(enc.encodeRow({ visits: null, source: 'web', subscribed: null }))).toEqual([50, 1, 1, 0, 0, 0, 34 / 67, 1]);
    expect(Array.from(enc.encodeRow({ visits: 2, source: 'web', subscribed: true }))).toEqual([2, 0, 1, 0, 0, 0, 1, 0]);
    // Unseen level → __other__; missing category → __missing__; numeric strings are numbers.
    expect(Array.from(enc.encodeRow({ visits: '7', source: 'tv', subscribed: 'yes' }))).toEqual([7, 0, 0, 0, 1, 0, 1, 0]);
    expect(Array.from(enc.encodeRow({ visits: 3, source: '', subscribed: false }))).toEqual([3, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('transforms records into the same matrix as row-by-row encoding and survives JSON', () => {
    const data = rows();
    const enc = Encoder.fit(specs, data);
    const m = enc.transform(data);
    expect(m.rows).toBe(100);
    expect(Array.from(m.data.subarray(5 * m.cols, 6 * m.cols))).toEqual(Array.from(enc.encodeRow(data[5])));
    const again = Encoder.fromJSON(JSON.parse(JSON.stringify(enc.toJSON())));
    expect(Array.from(again.transform(data).data)).toEqual(Array.from(m.data));
  });

  it('reports per-column support for confidence', () => {
    const enc = Encoder.fit(specs, rows());
    const support = enc.support({ visits: 1e6, source: 'web', subscribed: null });
    expect(Object.fromEntries(support)).toEqual({ visits: false, source: true, subscribed: false });
  });

  it('adds no missing indicator when training had no missing values', () => {
    const enc = Encoder.fit([{ name: 'a', kind: 'numeric' }], [{ a: 1 }, { a: 2 }]);
    expect(enc.featureNames).toEqual(['a']);
    expect(Array.from(enc.encodeRow({ a: null }))).toEqual([1.5]);
  });
});
