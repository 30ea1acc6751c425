import { isFlagTarget, isMissingCell, parseTargetCell } from './cell-parsers.ts';
import { DatasetError } from './dataset-error.ts';

export interface ParsedTarget {
  /** 0/1 per kept row. */
  y: Uint8Array;
  /** Source row indices that have a target value. */
  kept: Uint32Array;
  /** Rows skipped because the target cell was empty. */
  missing: number;
  /** Rows skipped because their value is neither outcome (an open stage such as "Engaging"): value → rows. */
  open?: Map<string, number>;
}

/** More distinct non-outcome values than this is not a pipeline's open stages but a wrong column. */
const MAX_OPEN_VALUES = 20;

/**
 * Read an outcome column: 1/0, yes/no, true/false, y/n, won/lost (any case). Rows with an empty
 * outcome (leads still open) are skipped. So are rows whose value is neither outcome when the
 * column is a stage column holding both outcomes as words, as a pipeline export's is ("Won", "Lost",
 * and open stages such as "Engaging" or "Prospecting"); they are counted by value for the report.
 * Any other value is an error naming it and its row: in a flag column (1/0, yes/no), in a column
 * without both outcomes, or beside more than 20 such values.
 */
export function parseTargetColumn(cells: readonly string[], field = 'target', labels: TargetLabels = {}): ParsedTarget {
  if (labels.positive?.length) return parseLabelledTarget(cells, labels.positive, labels.negative);
  if (labels.negative?.length) throw new DatasetError('negative', 'needs --positive: name the value(s) that count as the outcome');
  const y: number[] = [];
  const kept: number[] = [];
  let missing = 0;
  const open = new Map<string, number>();
  let firstOpen = -1;
  let flags = false;
  for (let r = 0; r < cells.length; r++) {
    if (isMissingCell(cells[r])) {
      missing++;
      continue;
    }
    const v = parseTargetCell(cells[r]);
    if (v === null) {
      const value = cells[r].trim();
      if (firstOpen < 0) firstOpen = r;
      open.set(value, (open.get(value) ?? 0) + 1);
      continue;
    }
    if (!flags && isFlagTarget(cells[r])) flags = true;
    y.push(v);
    kept.push(r);
  }
  if (open.size) {
    const both = y.includes(0) && y.includes(1);
    // a 1/0 or yes/no column has no open stages: another value there is a mistake to show
    if (flags || !both || open.size > MAX_OPEN_VALUES) {
      const why = both ? `; the column has ${open.size} values that are neither outcome, too many to be open stages` : '';
      throw new DatasetError(
        field,
        `value "${cells[firstOpen].trim()}" in row ${firstOpen + 1} is not a binary outcome; use 1/0, yes/no, true/false, y/n or won/lost, or name the value(s) that count as the outcome as positive (crm scoring --positive)${why}`,
        firstOpen + 1,
      );
    }
  }
  return { y: Uint8Array.from(y), kept: Uint32Array.from(kept), missing, ...(open.size ? { open } : {}) };
}

/** Which values of a multi-valued column (a lifecycle stage, a deal stage) are the outcome. */
export interface TargetLabels {
  /** Values that count as the outcome (1), any case, e.g. `customer` of a lifecycle stage column. */
  positive?: readonly string[];
  /** Values that count as not converted (0); without it every value that is not positive is 0. */
  negative?: readonly string[];
}

const labelKey = (v: string) => v.trim().toLowerCase();

/**
 * An outcome column read by the values the user named: `positive` → 1; `negative` → 0 and every
 * other value skipped as still open, or without `negative` every other value → 0. Empty cells are
 * skipped as always. A named value no row holds is an error listing the values that are there.
 */
function parseLabelledTarget(cells: readonly string[], positive: readonly string[], negative: readonly string[] = []): ParsedTarget {
  const pos = new Set(positive.map(labelKey));
  const neg = new Set(negative.map(labelKey));
  const both = [...pos].filter((v) => neg.has(v));
  if (both.length) throw new DatasetError('negative', `"${both[0]}" is given as both a positive and a negative value`);
  const y: number[] = [];
  const kept: number[] = [];
  let missing = 0;
  const open = new Map<string, number>();
  const seen = new Map<string, string>();
  for (let r = 0; r < cells.length; r++) {
    if (isMissingCell(cells[r])) {
      missing++;
      continue;
    }
    const value = cells[r].trim();
    const key = labelKey(value);
    if (!seen.has(key)) seen.set(key, value);
    if (pos.has(key) || !neg.size || neg.has(key)) {
      y.push(pos.has(key) ? 1 : 0);
      kept.push(r);
    } else {
      open.set(value, (open.get(value) ?? 0) + 1);
    }
  }
  const values = () => {
    const list = [...seen.values()];
    return `${list.slice(0, 20).map((v) => `"${v}"`).join(', ')}${list.length > 20 ? `, … (${list.length} values)` : ''}`;
  };
  for (const [option, named] of [['positive', pos], ['negative', neg]] as const) {
    const absent = [...named].find((v) => !seen.has(v));
    if (absent !== undefined) throw new DatasetError(option, `no row has the value "${absent}"; the column holds ${values() || 'no values'}`);
  }
  return { y: Uint8Array.from(y), kept: Uint32Array.from(kept), missing, ...(open.size ? { open } : {}) };
}

/** Both outcomes must be present, each often enough to appear in every fold. */
export function checkClasses(y: ArrayLike<number>, folds: number, field = 'target'): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i];
  const negatives = y.length - positives;
  if (y.length === 0) throw new DatasetError(field, 'no row has an outcome value');
  if (positives === 0 || negatives === 0) {
    throw new DatasetError(field, `only one class present: all ${y.length} rows are ${positives === 0 ? 'negative (0/no/lost)' : 'positive (1/yes/won)'}; both outcomes are needed`);
  }
  const needed = Math.max(10, folds);
  const minority = Math.min(positives, negatives);
  if (minority < needed) {
    const which = positives < negatives ? 'positive' : 'negative';
    throw new DatasetError(field, `only ${minority} rows are ${which}; at least ${needed} of each outcome are needed for ${folds}-fold cross-validation`);
  }
  return { positives, negatives };
}
