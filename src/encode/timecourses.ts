/**
 * Which voxels keep their test time courses (measured, repetition-averaged, and
 * each space's prediction) for the studio: the candidates (cortical voxels when
 * the subject has an atlas, else every masked voxel), all of them when they fit
 * under the cap, else the cap's worth with the best r in any space. Voxels arrive
 * in batches, so the pool keeps only the current best and copies a column only
 * when it enters; the choice does not depend on the batch size (ties go to the
 * lower column).
 */
import type { Matrix } from '../linalg/matrix.js';

export interface KeptTimecourses {
  /** Masker columns kept, ascending. */
  columns: Int32Array;
  /** Test scans (the repetition-averaged length). */
  T: number;
  /** n_test × n_kept, row-major: the measured test response averaged over repetitions. */
  measured: Float32Array;
  /** Per space (in fit order), n_test × n_kept: the prediction, averaged over repetitions like the measurement. */
  predicted: Float32Array[];
  /** `cortical` (atlas cortex) or `masked` (no atlas: every voxel), and whether the cap cut it (`top-r`). */
  selection: { from: 'cortical' | 'masked'; rule: 'all' | 'top-r'; candidates: number; cap: number };
}

interface Entry {
  col: number;
  score: number;
  measured?: Float32Array;
  predicted?: Float32Array[];
  /** Column inside the batch that offered it (until copied). */
  local: number;
}

export class TimecourseKeeper {
  private pool: Entry[] = [];
  private readonly nCandidates: number;

  /**
   * @param candidate per masker column, 1 when the voxel may be kept; null = every voxel
   * @param cap most voxels kept (0 keeps none)
   * @param T rows of the batches' matrices
   * @param nSpaces predictions offered per batch
   */
  constructor(
    private readonly candidate: Uint8Array | null,
    nVoxels: number,
    private readonly cap: number,
    private readonly T: number,
    private readonly nSpaces: number,
  ) {
    this.nCandidates = candidate ? candidate.reduce((a, b) => a + b, 0) : nVoxels;
  }

  /**
   * Offers columns [v0, v0 + nb) of the batch.
   * @param Yavg measured, n_test × nb
   * @param P predictions per space, each n_test × nb
   * @param r test r per space, each of length nb
   */
  offer(v0: number, Yavg: Matrix, P: Matrix[], r: ArrayLike<number>[]): void {
    if (this.cap <= 0) return;
    const nb = Yavg.cols;
    const fresh: Entry[] = [];
    for (let j = 0; j < nb; j++) {
      const col = v0 + j;
      if (this.candidate && !this.candidate[col]) continue;
      let score = Number.NEGATIVE_INFINITY;
      for (const rs of r) {
        const x = rs[j] as number;
        if (x > score) score = x;
      }
      fresh.push({ col, score, local: j });
    }
    if (fresh.length === 0) return;
    const all = this.pool.concat(fresh);
    all.sort((a, b) => b.score - a.score || a.col - b.col);
    this.pool = all.slice(0, this.cap);
    for (const e of this.pool) {
      if (e.measured) continue;
      e.measured = column(Yavg, e.local, this.T);
      e.predicted = P.map((p) => column(p, e.local, this.T));
    }
  }

  finish(): KeptTimecourses {
    const kept = [...this.pool].sort((a, b) => a.col - b.col);
    const n = kept.length;
    const T = this.T;
    const measured = new Float32Array(T * n);
    const predicted = Array.from({ length: this.nSpaces }, () => new Float32Array(T * n));
    kept.forEach((e, c) => {
      for (let t = 0; t < T; t++) {
        measured[t * n + c] = e.measured![t] as number;
        for (let s = 0; s < this.nSpaces; s++) predicted[s]![t * n + c] = e.predicted![s]![t] as number;
      }
    });
    return {
      columns: Int32Array.from(kept, (e) => e.col),
      T,
      measured,
      predicted,
      selection: {
        from: this.candidate ? 'cortical' : 'masked',
        rule: this.nCandidates > this.cap ? 'top-r' : 'all',
        candidates: this.nCandidates,
        cap: this.cap,
      },
    };
  }
}

function column(M: Matrix, j: number, T: number): Float32Array {
  const out = new Float32Array(T);
  const c = M.cols;
  for (let t = 0; t < T; t++) out[t] = M.data[t * c + j] as number;
  return out;
}
