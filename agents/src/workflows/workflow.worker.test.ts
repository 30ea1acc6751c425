import { describe, expect, it } from 'vitest';
import { unvisitedTargets } from './workflow.worker.ts';

describe('unvisitedTargets (a run that came back "done" too early is never completed)', () => {
  it('is empty for a complete run, including ends, branches and loops', () => {
    expect(unvisitedTargets({ routes: { a: ['b'], b: ['c'], c: [] }, path: ['a', 'b', 'c'] })).toEqual([]);
    expect(unvisitedTargets({ routes: { a: ['b', 'c'], b: [], c: [] }, path: ['a', 'c', 'b'] })).toEqual([]);
    expect(unvisitedTargets({ routes: { a: ['b'], b: ['a'], 'a#2': ['b'], 'b#2': [] }, path: ['a', 'b', 'a', 'b'] })).toEqual([]);
    expect(unvisitedTargets({})).toEqual([]);
  });

  it('names the steps a finished step routed to that never ran', () => {
    // the crash trial's case: mail → hook ran, hook routed to task, the resumed run ended there
    expect(unvisitedTargets({ routes: { mail: ['hook'], hook: ['task'] }, path: ['mail', 'hook'] })).toEqual(['task']);
    expect(unvisitedTargets({ routes: { a: ['b', 'c'], b: [] }, path: ['a', 'b'] })).toEqual(['c']);
  });
});
