/**
 * Haemodynamic response: Glover's (1999) double-gamma form,
 *   h(t) = (t/d1)^a1 · exp(−(t − d1)/b1) − c · (t/d2)^a2 · exp(−(t − d2)/b2),  d = a·b (peak times),
 * with subject-specific timing, and its discretisation for inputs that are constant
 * over each TR (the twin's features are one value per scan).
 */
import type { Rng } from '../../util/rng.js';

export interface HrfParams {
  /** Time to peak, s (Glover: 5.4). */
  peak: number;
  /** Time to undershoot, s (Glover: 10.8). */
  undershoot: number;
  /** Undershoot amplitude relative to the peak (Glover: 0.35). */
  ratio: number;
  /** Shape parameters (Glover: a1 = 6, a2 = 12). */
  a1: number;
  a2: number;
}

export const GLOVER: HrfParams = { peak: 5.4, undershoot: 10.8, ratio: 0.35, a1: 6, a2: 12 };

/** A subject's HRF: peak 4.5–6.5 s, undershoot 9.5–12.5 s, ratio 0.25–0.45. */
export function randomHrf(rng: Rng): HrfParams {
  const peak = rng.range(4.5, 6.5);
  return { ...GLOVER, peak, undershoot: peak + rng.range(5, 6), ratio: rng.range(0.25, 0.45) };
}

/** h(t) for t ≥ 0 (0 before onset). */
export function hrfAt(p: HrfParams, t: number): number {
  if (t <= 0) return 0;
  const b1 = p.peak / p.a1;
  const b2 = p.undershoot / p.a2;
  const g1 = (t / p.peak) ** p.a1 * Math.exp(-(t - p.peak) / b1);
  const g2 = (t / p.undershoot) ** p.a2 * Math.exp(-(t - p.undershoot) / b2);
  return g1 - p.ratio * g2;
}

/**
 * Kernel for a stimulus held constant over each TR, sampled at scan onsets:
 * kernel[L] = ∫_{(L−1)TR}^{L·TR} h(u) du for lag L ≥ 1 (kernel[0] = 0: a scan taken at
 * the start of a bin has not seen it yet), normalised to unit sum, out to `lengthS`.
 */
export function hrfKernel(p: HrfParams, tr: number, lengthS = 32): Float64Array {
  const n = Math.ceil(lengthS / tr) + 1;
  const k = new Float64Array(n);
  const steps = 50;
  for (let L = 1; L < n; L++) {
    let acc = 0;
    for (let s = 0; s < steps; s++) acc += hrfAt(p, (L - 1 + (s + 0.5) / steps) * tr);
    k[L] = (acc * tr) / steps;
  }
  let sum = 0;
  for (const v of k) sum += v;
  for (let i = 0; i < n; i++) k[i] = (k[i] as number) / sum;
  return k;
}

/** Causal convolution of each column of x (rows × cols, row-major) with `kernel`; a new array. */
export function convolveColumns(
  x: Float64Array,
  rows: number,
  cols: number,
  kernel: Float64Array,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let t = 0; t < rows; t++) {
    const lmax = Math.min(kernel.length - 1, t);
    for (let L = 0; L <= lmax; L++) {
      const w = kernel[L] as number;
      if (w === 0) continue;
      const src = (t - L) * cols;
      const dst = t * cols;
      for (let c = 0; c < cols; c++) out[dst + c] = (out[dst + c] as number) + w * (x[src + c] as number);
    }
  }
  return out;
}
