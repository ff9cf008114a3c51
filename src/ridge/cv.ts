/**
 * Cross-validation splitters. A split is a list of folds; each fold names the
 * training and validation sample indices (ascending). Registry: name → factory.
 */
import { UserError } from '../util/errors.js';

export interface Fold {
  /** Training sample indices, ascending. */
  train: Int32Array;
  /** Validation sample indices, ascending. */
  test: Int32Array;
}

/** How to split samples: K contiguous folds, or one fold per group label. */
export type CvSpec = { kind: 'kfold'; folds: number } | { kind: 'groups'; groups: ArrayLike<number> };

/**
 * K contiguous folds in sample order, like scikit-learn's `KFold(k)` without
 * shuffling: the first n mod k folds get one extra sample.
 */
export function kFold(nSamples: number, k: number): Fold[] {
  if (!Number.isInteger(k) || k < 2) {
    throw new UserError(`the number of CV folds must be an integer ≥ 2, got ${k}`, {
      field: 'cv',
      hint: 'use e.g. --cv 5',
    });
  }
  if (k > nSamples) {
    throw new UserError(`cannot make ${k} CV folds from ${nSamples} samples`, {
      field: 'cv',
      hint: `use at most ${nSamples} folds`,
    });
  }
  const base = Math.floor(nSamples / k);
  const extra = nSamples % k;
  const folds: Fold[] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = base + (f < extra ? 1 : 0);
    folds.push(splitAt(nSamples, start, start + size));
    start += size;
  }
  return folds;
}

function splitAt(n: number, start: number, end: number): Fold {
  const test = new Int32Array(end - start);
  const train = new Int32Array(n - (end - start));
  for (let i = start; i < end; i++) test[i - start] = i;
  let t = 0;
  for (let i = 0; i < n; i++) if (i < start || i >= end) train[t++] = i;
  return { train, test };
}

/**
 * Leave-one-group-out: one fold per distinct label (e.g. the run of each sample),
 * in ascending label order like scikit-learn's `LeaveOneGroupOut`.
 */
export function leaveOneGroupOut(groups: ArrayLike<number>): Fold[] {
  const labels = Array.from(groups);
  labels.forEach((g, i) => {
    if (!Number.isFinite(g)) {
      throw new UserError(`group label of sample ${i} is not a finite number (${g})`, {
        field: 'groups',
        hint: 'give every sample an integer run/session label',
      });
    }
  });
  const distinct = [...new Set(labels)].sort((a, b) => a - b);
  if (distinct.length < 2) {
    throw new UserError(`leave-one-group-out needs at least 2 distinct groups, got ${distinct.length}`, {
      field: 'groups',
      hint: 'label each sample with its run, and use at least two runs',
    });
  }
  return distinct.map((g) => {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < labels.length; i++) (labels[i] === g ? test : train).push(i);
    return { train: Int32Array.from(train), test: Int32Array.from(test) };
  });
}

/** Splitter registry, so configurations can name a scheme. */
export const SPLITTERS = {
  kfold: (n: number, spec: Extract<CvSpec, { kind: 'kfold' }>) => kFold(n, spec.folds),
  groups: (n: number, spec: Extract<CvSpec, { kind: 'groups' }>) => {
    if (spec.groups.length !== n) {
      throw new UserError(`there are ${spec.groups.length} group labels for ${n} samples`, {
        field: 'groups',
        hint: 'give exactly one group label per sample (row of X)',
      });
    }
    return leaveOneGroupOut(spec.groups);
  },
} as const;

export function makeFolds(nSamples: number, spec: CvSpec): Fold[] {
  return spec.kind === 'kfold' ? SPLITTERS.kfold(nSamples, spec) : SPLITTERS.groups(nSamples, spec);
}

/** A short human description, e.g. "5-fold" or "leave-one-group-out (12 groups)". */
export function describeCv(spec: CvSpec, folds: Fold[]): string {
  return spec.kind === 'kfold' ? `${spec.folds}-fold` : `leave-one-group-out (${folds.length} groups)`;
}
