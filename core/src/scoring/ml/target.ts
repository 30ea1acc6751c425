import { isMissingCell, parseTargetCell } from './cell-parsers.ts';
import { DatasetError } from './dataset-error.ts';

export interface ParsedTarget {
  /** 0/1 per kept row. */
  y: Uint8Array;
  /** Source row indices that have a target value. */
  kept: Uint32Array;
  /** Rows skipped because the target cell was empty. */
  missing: number;
}

/**
 * Read an outcome column: 1/0, yes/no, true/false, y/n, won/lost (any case). Rows with an empty
 * outcome (leads still open) are skipped; any other value is an error naming the value and row.
 */
export function parseTargetColumn(cells: readonly string[], field = 'target'): ParsedTarget {
  const y: number[] = [];
  const kept: number[] = [];
  let missing = 0;
  for (let r = 0; r < cells.length; r++) {
    if (isMissingCell(cells[r])) {
      missing++;
      continue;
    }
    const v = parseTargetCell(cells[r]);
    if (v === null) {
      throw new DatasetError(
        field,
        `value "${cells[r].trim()}" in row ${r + 1} is not a binary outcome; use 1/0, yes/no, true/false, y/n or won/lost`,
        r + 1,
      );
    }
    y.push(v);
    kept.push(r);
  }
  return { y: Uint8Array.from(y), kept: Uint32Array.from(kept), missing };
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
