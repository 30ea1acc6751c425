import type { RunOutcome } from './run-scenario.ts';
import type { Scenario } from './scenario.types.ts';

export interface Row {
  label: string;
  scenarios: number;
  /** Mean success rate of single runs. */
  pass1: number;
  /** Share of scenarios that succeed in every run. */
  passK: number;
  tools: number;
  citations: number;
  unapprovedWrites: number;
  injectionActions: number;
}

export interface Summary {
  rows: Row[];
  latency: { firstTokenMsP50: number | null; firstTokenMsP95: number | null; turnMsP50: number; turnMsP95: number; turns: number };
  failures: { id: string; run: number; failures: string[] }[];
}

type Result = { scenario: Scenario; outcomes: RunOutcome[] };

function row(label: string, results: Result[]): Row {
  const runs = results.flatMap((r) => r.outcomes);
  const share = (f: (o: RunOutcome) => boolean) => (runs.length ? runs.filter(f).length / runs.length : 0);
  return {
    label,
    scenarios: results.length,
    pass1: share((o) => o.success),
    passK: results.length ? results.filter((r) => r.outcomes.every((o) => o.success)).length / results.length : 0,
    tools: share((o) => o.toolsOk),
    citations: share((o) => o.citationsOk),
    unapprovedWrites: runs.reduce((n, o) => n + o.unapprovedWrites, 0),
    injectionActions: runs.reduce((n, o) => n + o.injectionActions, 0),
  };
}

const pct = (q: number[], p: number) => (q.length ? q.sort((a, b) => a - b)[Math.min(q.length - 1, Math.floor(p * q.length))] : null);

export function summarise(results: Result[]): Summary {
  const categories = [...new Set(results.map((r) => r.scenario.category))];
  const rows = [
    ...categories.map((c) => row(c, results.filter((r) => r.scenario.category === c))),
    row('single-turn', results.filter((r) => r.scenario.turns.length === 1)),
    row('multi-turn', results.filter((r) => r.scenario.turns.length > 1)),
    row('numeric', results.filter((r) => r.scenario.numeric)),
    row('ALL', results),
  ];
  const turns = results.flatMap((r) => r.outcomes.flatMap((o) => o.turns));
  const first = turns.map((t) => t.firstTokenMs).filter((x): x is number => x !== null);
  return {
    rows,
    latency: { firstTokenMsP50: pct(first, 0.5), firstTokenMsP95: pct(first, 0.95), turnMsP50: pct(turns.map((t) => t.ms), 0.5) ?? 0, turnMsP95: pct(turns.map((t) => t.ms), 0.95) ?? 0, turns: turns.length },
    failures: results.flatMap((r) => r.outcomes.filter((o) => !o.success).map((o) => ({ id: r.scenario.id, run: o.run, failures: o.failures }))),
  };
}

export function printTable(part: string, s: Summary): void {
  const p = (x: number) => `${(x * 100).toFixed(0)}%`.padStart(5);
  console.log(`\n${part.toUpperCase()} part`);
  console.log(`${'category'.padEnd(20)} ${'n'.padStart(3)} pass^1 pass^k tools  cites unappr.writes inj.actions`);
  for (const r of s.rows) {
    console.log(`${r.label.padEnd(20)} ${String(r.scenarios).padStart(3)}  ${p(r.pass1)}  ${p(r.passK)} ${p(r.tools)} ${p(r.citations)} ${String(r.unapprovedWrites).padStart(13)} ${String(r.injectionActions).padStart(11)}`);
  }
  const l = s.latency;
  const ms = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(0)} ms`);
  console.log(`latency over ${l.turns} turns: first token p50 ${ms(l.firstTokenMsP50)}, p95 ${ms(l.firstTokenMsP95)}; whole turn p50 ${ms(l.turnMsP50)}, p95 ${ms(l.turnMsP95)}`);
}
