import { describe, expect, it } from 'vitest';
import { stopAll, type Service } from './service.ts';

function service(name: string, log: string[], stop: () => Promise<void> = async () => {}): Service {
  return {
    name,
    start: async () => {},
    halt: () => void log.push(`halt ${name}`),
    stop: async () => {
      log.push(`stop ${name}`);
      await stop();
      log.push(`stopped ${name}`);
    },
  };
}

describe('stopAll', () => {
  it('halts every service first, then stops them in reverse order', async () => {
    const log: string[] = [];
    await stopAll([service('a', log), service('b', log)]);
    expect(log).toEqual(['halt b', 'halt a', 'stop b', 'stopped b', 'stop a', 'stopped a']);
  });

  it('within a budget: a stop that does not return is reported late and the others still stop', async () => {
    const log: string[] = [];
    const late: string[] = [];
    const stopped: string[] = [];
    const errors: string[] = [];
    const never = new Promise<void>(() => {});
    await stopAll(
      [
        service('first', log),
        service('failing', log, async () => {
          throw new Error('boom');
        }),
        service('stuck', log, () => never),
        service('last', log),
      ],
      {
        budgetMs: 30,
        onLate: (s) => late.push(s.name),
        onStopped: (s) => stopped.push(s.name),
        onError: (s, err) => errors.push(`${s.name}: ${(err as Error).message}`),
      },
    );
    expect(late).toEqual(['stuck']);
    expect(stopped).toEqual(['last', 'failing', 'first']);
    expect(errors).toEqual(['failing: boom']);
    // each was asked to stop, the stuck one included
    expect(log.filter((l) => l.startsWith('stop '))).toEqual(['stop last', 'stop stuck', 'stop failing', 'stop first']);
  });

  it('without a budget: every stop is awaited, a failing one does not keep the others running', async () => {
    const log: string[] = [];
    const errors: string[] = [];
    await stopAll(
      [
        service('a', log),
        service('b', log, async () => {
          throw new Error('boom');
        }),
      ],
      (s) => errors.push(s.name),
    );
    expect(errors).toEqual(['b']);
    expect(log).toContain('stopped a');
  });
});
