import { afterTheFactName, afterTimeShare, columnSignals, type LeakageColumn, type LeakageEvidence, type LeakageSignalKind, type LeakageWarning } from './leakage.ts';

export interface LeakageAuditInput {
  columns: readonly LeakageColumn[];
  y: Uint8Array;
  /** Each row's time (the `--time` column) when given; date columns are compared with it. */
  times?: Float64Array | null;
  timesAreDates?: boolean;
  timeColumn?: string;
  /** Column → share of the chosen model's importance (shares sum to 1). */
  importance?: ReadonlyMap<string, number>;
  /** Cross-validated AUC with every column, and with one column left out (drop-column CV). */
  baselineAuc?: number;
  dropColumnAuc?: (column: string) => Promise<number>;
  /** Columns the user says exist at scoring time: still reported, never dropped. */
  keep?: ReadonlySet<string>;
  /** Drop-column CV runs on at most this many candidates. Default 3. */
  maxDropColumns?: number;
}

const PRIORITY: LeakageSignalKind[] = ['after_time', 'missingness', 'pure_level', 'single_column_auc', 'importance', 'drop_column', 'name'];
const SINGLE_AUC_STRONG = 0.47; // |AUC − 0.5|: AUC ≥ 0.97 alone
const SINGLE_AUC_OUTLIER = 0.3; // AUC ≥ 0.8 alone...
const OUTLIER_GAP = 0.1; // ...and 0.1 clear of every honest-looking column
const MISSING_STRONG = 0.3;
const MISSING_MODERATE = 0.15;
const IMPORTANCE_SHARE = 0.5;
const DROP_AUC = 0.05;
const AFTER_TIME_SHARE = 0.5;

const pct = (x: number): string => `${(x * 100).toFixed(0)}%`;
const f3 = (x: number): string => x.toFixed(3);

interface Suspect {
  column: LeakageColumn;
  evidence: LeakageEvidence[];
  auc: number;
  level?: { level: string; rows: number; rate: number };
}

const rank = (s: Suspect): number =>
  s.evidence.filter((e) => e.strength === 'strong').length * 10 + s.evidence.filter((e) => e.strength === 'moderate').length;

function isFlagged(s: Suspect): boolean {
  const strong = s.evidence.some((e) => e.strength === 'strong');
  const moderate = s.evidence.filter((e) => e.strength === 'moderate').length;
  const named = s.evidence.some((e) => e.kind === 'name') ? 1 : 0;
  return strong || moderate + named >= 2;
}

function primaryKind(evidence: readonly LeakageEvidence[]): LeakageSignalKind {
  for (const strength of ['strong', 'moderate'] as const) {
    for (const kind of PRIORITY) if (evidence.some((e) => e.kind === kind && e.strength === strength)) return kind;
  }
  return 'name';
}

function fixFor(kind: LeakageSignalKind, name: string, timeColumn?: string): string {
  const keep = `If its value really exists when a lead is scored, pass --keep "${name}".`;
  if (kind === 'after_time') {
    return `Exclude it (--exclude "${name}"), or replace it with a date known by "${timeColumn ?? 'the time column'}". ${keep}`;
  }
  if (kind === 'missingness') {
    return `It is probably filled in only after contact: exclude it (--exclude "${name}"), or export only values entered before the outcome. ${keep}`;
  }
  return `Exclude it (--exclude "${name}") unless it is recorded before the outcome. ${keep}`;
}

/**
 * Columns that look recorded after the outcome, each with its evidence and the fix. Per column:
 * single-column AUC (strong ≥ 0.97; moderate when ≥ 0.8 and far above the others), levels that
 * convert ~0% or ~100% (strong), emptiness that predicts the outcome (strong/moderate), dates
 * after the row's `--time` (strong), most of the model's importance (moderate), the AUC lost
 * by leaving the column out, for the top candidates (moderate), and an "after the fact" name
 * (weak: it can only tip a column that already has one moderate signal).
 */
export async function auditLeakage(input: LeakageAuditInput): Promise<LeakageWarning[]> {
  const { columns, y } = input;
  const n = y.length;
  const minCount = Math.max(10, Math.ceil(0.01 * n));
  // One sort (numbers) or one count of levels (categories) per column gives all three single-column signals.
  const signals = columns.map((c) => columnSignals(c.kind, c.values, y, minCount));
  const aucs = signals.map((s) => s.auc);
  const strengths = aucs.map((a) => (Number.isNaN(a) ? 0 : Math.abs(a - 0.5)));
  const honest = strengths.filter((s) => s < SINGLE_AUC_OUTLIER);
  const honestBest = honest.length ? Math.max(...honest) : 0;
  const suspects: Suspect[] = columns.map((column, k) => {
    const evidence: LeakageEvidence[] = [];
    const auc = aucs[k];
    const s = strengths[k];
    const inverted = auc < 0.5 ? ', inverted' : '';
    if (s >= SINGLE_AUC_STRONG) {
      evidence.push({ kind: 'single_column_auc', strength: 'strong', value: auc, detail: `alone it predicts the outcome almost perfectly (AUC ${f3(auc)}${inverted})` });
    } else if (s >= SINGLE_AUC_OUTLIER && s >= honestBest + OUTLIER_GAP && columns.length >= 3) {
      evidence.push({
        kind: 'single_column_auc',
        strength: 'moderate',
        value: auc,
        detail: `alone it predicts the outcome with AUC ${f3(auc)}${inverted}, far above every other column (best of the rest ${f3(0.5 + honestBest)})`,
      });
    }
    let level: Suspect['level'];
    // A boolean's pure level is the whole column, which its single-column AUC already describes.
    if (column.kind === 'categorical') {
      const pure = signals[k].pure;
      if (pure.length) {
        level = pure[0];
        const described = pure.map((p) => `"${p.level}" (${p.rows} rows) converts ${pct(p.rate)}`).join('; ');
        evidence.push({ kind: 'pure_level', strength: 'strong', value: pure[0].rate, detail: `${described}, against ${pct(mean(y))} overall` });
      }
    }
    const missing = signals[k].missing;
    const ms = Math.abs(missing.auc - 0.5);
    if (ms >= MISSING_MODERATE) {
      const [emptyRate, filledRate] = ratesByEmptiness(column, y);
      evidence.push({
        kind: 'missingness',
        strength: ms >= MISSING_STRONG ? 'strong' : 'moderate',
        value: missing.auc,
        detail: `whether it is empty alone gives AUC ${f3(missing.auc)}: empty in ${pct(missing.share)} of rows, which convert ${pct(emptyRate)} against ${pct(filledRate)} when filled`,
      });
    }
    if (column.isDate && input.times && input.timesAreDates) {
      const after = afterTimeShare(column.values, input.times);
      if (after.rows >= 30 && after.share >= AFTER_TIME_SHARE) {
        evidence.push({
          kind: 'after_time',
          strength: 'strong',
          value: after.share,
          detail: `in ${pct(after.share)} of ${after.rows} dated rows its date is after "${input.timeColumn ?? 'the time column'}"`,
        });
      }
    }
    const share = input.importance?.get(column.name) ?? 0;
    if (share >= IMPORTANCE_SHARE && columns.length >= 3) {
      evidence.push({ kind: 'importance', strength: 'moderate', value: share, detail: `it carries ${pct(share)} of the model's importance` });
    }
    if (afterTheFactName(column.name)) {
      evidence.push({ kind: 'name', strength: 'weak', detail: 'its name usually means a value recorded after the fact' });
    }
    return { column, evidence, auc, level };
  });

  if (input.dropColumnAuc && input.baselineAuc !== undefined && Number.isFinite(input.baselineAuc)) {
    // Candidates: anything with evidence beyond its name, then the most important column.
    const candidates = suspects
      .filter((s) => s.evidence.some((e) => e.strength !== 'weak') || (input.importance?.get(s.column.name) ?? 0) >= 0.3)
      .sort((a, b) => rank(b) - rank(a) || (input.importance?.get(b.column.name) ?? 0) - (input.importance?.get(a.column.name) ?? 0))
      .slice(0, input.maxDropColumns ?? 3);
    for (const s of candidates) {
      const without = await input.dropColumnAuc(s.column.name);
      const drop = input.baselineAuc - without;
      if (drop >= DROP_AUC) {
        s.evidence.push({
          kind: 'drop_column',
          strength: 'moderate',
          value: drop,
          detail: `leaving it out lowers the cross-validated AUC from ${f3(input.baselineAuc)} to ${f3(without)}`,
        });
      }
    }
  }

  return suspects.filter(isFlagged).map((s) => {
    const kind = primaryKind(s.evidence);
    const name = s.column.name;
    const facts = s.evidence.filter((e) => e.strength !== 'weak').map((e) => e.detail);
    if (s.evidence.some((e) => e.kind === 'name')) facts.push('and its name usually means a value recorded after the fact');
    const warning: LeakageWarning = {
      column: name,
      kind,
      reason: `"${name}" looks recorded after the outcome: ${facts.join('; ')}.`,
      fix: fixFor(kind, name, input.timeColumn),
      evidence: s.evidence,
      auc: s.auc,
    };
    if (input.keep?.has(name)) warning.kept = true;
    if (s.level) Object.assign(warning, s.level);
    return warning;
  });
}

function mean(y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i];
  return s / Math.max(1, y.length);
}

function ratesByEmptiness(column: LeakageColumn, y: ArrayLike<number>): [number, number] {
  const counts = [0, 0];
  const pos = [0, 0];
  for (let i = 0; i < y.length; i++) {
    const v = column.values[i];
    const empty = v == null || (typeof v === 'number' && Number.isNaN(v)) || (typeof v === 'string' && v.trim() === '');
    counts[empty ? 0 : 1]++;
    pos[empty ? 0 : 1] += y[i];
  }
  return [pos[0] / Math.max(1, counts[0]), pos[1] / Math.max(1, counts[1])];
}
