/**
 * Ground truth and test–retest reliability of simulated voxels, from the test
 * runs (where each clip is heard 4 times).
 *
 * Per voxel, with signal and noise detrended (polynomial of order 2 per run):
 *   signalVar = mean over runs of var_t(s), noiseVar = mean over runs of var_t(n)
 *   trueEV    = signalVar / (signalVar + noiseVar)       (the share of one presentation's variance the stimulus explains)
 *   ceiling   = √(signalVar / (signalVar + noiseVar/R))  (best possible r against the average of R repeats)
 * and the explainable variance estimated from the data alone, as voxelwise
 * modelling does (Sahani & Linden 2003; gallantlab voxelwise_tutorials): with
 * each run z-scored and the repeats y_r (r = 1..R) of the same clips,
 *   EV = var_t(mean_r y_r) / mean_r var_t(y_r),  bias-corrected EV − (1 − EV)/(R − 1).
 */

/** Orthonormal basis of polynomials of degree 0..order over n points: (order+1) × n. */
export function polynomialBasis(n: number, order: number): Float64Array[] {
  const basis: Float64Array[] = [];
  for (let p = 0; p <= order; p++) {
    const v = new Float64Array(n);
    for (let t = 0; t < n; t++) v[t] = (n === 1 ? 0 : (2 * t) / (n - 1) - 1) ** p;
    for (const b of basis) {
      let dot = 0;
      for (let t = 0; t < n; t++) dot += (v[t] as number) * (b[t] as number);
      for (let t = 0; t < n; t++) v[t] = (v[t] as number) - dot * (b[t] as number);
    }
    let norm = 0;
    for (let t = 0; t < n; t++) norm += (v[t] as number) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let t = 0; t < n; t++) v[t] = (v[t] as number) / norm;
    basis.push(v);
  }
  return basis;
}

/** Removes the projection on `basis` from x[offset .. offset+n) in place. */
export function detrendInPlace(x: Float32Array | Float64Array, offset: number, basis: Float64Array[]): void {
  const n = (basis[0] as Float64Array).length;
  for (const b of basis) {
    let dot = 0;
    for (let t = 0; t < n; t++) dot += (x[offset + t] as number) * (b[t] as number);
    for (let t = 0; t < n; t++) x[offset + t] = (x[offset + t] as number) - dot * (b[t] as number);
  }
}

/** Variance (ddof 0) of x[offset .. offset+n). */
function variance(x: ArrayLike<number>, offset: number, n: number): number {
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < n; t++) {
    const v = x[offset + t] as number;
    s += v;
    s2 += v * v;
  }
  const m = s / n;
  return Math.max(0, s2 / n - m * m);
}

/**
 * Explainable variance of repeated data, as voxelwise_tutorials' `explainable_variance`.
 * data: [repeat][time] for one voxel (all repeats the same length).
 */
export function explainableVariance(data: readonly ArrayLike<number>[], biasCorrection = true): number {
  const R = data.length;
  const n = (data[0] as ArrayLike<number>).length;
  const mean = new Float64Array(n);
  let meanVar = 0;
  for (const y of data) {
    meanVar += varianceDdof1(y, n);
    for (let t = 0; t < n; t++) mean[t] = (mean[t] as number) + (y[t] as number) / R;
  }
  meanVar /= R;
  let ev = varianceDdof1(mean, n) / meanVar;
  if (biasCorrection) ev -= (1 - ev) / (R - 1);
  return ev;
}

function varianceDdof1(y: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let t = 0; t < n; t++) s += y[t] as number;
  const m = s / n;
  let ss = 0;
  for (let t = 0; t < n; t++) ss += ((y[t] as number) - m) ** 2;
  return ss / (n - 1);
}

/** Which scans of a test run are the repeats: blocks[r][i] = scan index of position i in repeat r. */
export type RepeatBlocks = readonly (readonly number[])[];

/**
 * Accumulates truth and EV over test runs for a fixed set of voxels. Feed each
 * run's signal and noise (voxel-major, % units) with its repeat blocks; read
 * the maps with `result()`.
 */
export class ReliabilityAccumulator {
  private readonly nVox: number;
  private readonly R: number;
  private runs = 0;
  private readonly sv: Float64Array;
  private readonly nv: Float64Array;
  // EV sums across runs: per voxel and repeat, Σy and Σy²; and Σȳ, Σȳ² of the repeat mean; count n.
  private readonly sumRep: Float64Array;
  private readonly sqRep: Float64Array;
  private readonly sumMean: Float64Array;
  private readonly sqMean: Float64Array;
  private n = 0;

  constructor(nVoxels: number, repeats: number) {
    this.nVox = nVoxels;
    this.R = repeats;
    this.sv = new Float64Array(nVoxels);
    this.nv = new Float64Array(nVoxels);
    this.sumRep = new Float64Array(nVoxels * repeats);
    this.sqRep = new Float64Array(nVoxels * repeats);
    this.sumMean = new Float64Array(nVoxels);
    this.sqMean = new Float64Array(nVoxels);
  }

  addRun(signal: Float32Array, noise: Float32Array, nScans: number, blocks: RepeatBlocks): void {
    if (blocks.length !== this.R) throw new Error(`expected ${this.R} repeats, got ${blocks.length}`);
    const P = (blocks[0] as readonly number[]).length;
    const basis = polynomialBasis(nScans, 2);
    const y = new Float64Array(nScans);
    for (let v = 0; v < this.nVox; v++) {
      const off = v * nScans;
      detrendInPlace(signal, off, basis);
      detrendInPlace(noise, off, basis);
      this.sv[v] = (this.sv[v] as number) + variance(signal, off, nScans);
      this.nv[v] = (this.nv[v] as number) + variance(noise, off, nScans);
      // z-score the observed (signal + noise) run, as an analysis would.
      let s = 0;
      let s2 = 0;
      for (let t = 0; t < nScans; t++) {
        const val = (signal[off + t] as number) + (noise[off + t] as number);
        y[t] = val;
        s += val;
        s2 += val * val;
      }
      const m = s / nScans;
      const sd = Math.sqrt(Math.max(1e-20, s2 / nScans - m * m));
      for (let i = 0; i < P; i++) {
        let mean = 0;
        for (let r = 0; r < this.R; r++) {
          const val = ((y[(blocks[r] as readonly number[])[i] as number] as number) - m) / sd;
          mean += val / this.R;
          const k = v * this.R + r;
          this.sumRep[k] = (this.sumRep[k] as number) + val;
          this.sqRep[k] = (this.sqRep[k] as number) + val * val;
        }
        this.sumMean[v] = (this.sumMean[v] as number) + mean;
        this.sqMean[v] = (this.sqMean[v] as number) + mean * mean;
      }
    }
    this.n += P;
    this.runs++;
  }

  /** Per-voxel maps (length n_voxels). */
  result(): {
    signalVar: Float32Array;
    noiseVar: Float32Array;
    trueEV: Float32Array;
    ceiling: Float32Array;
    estimatedEV: Float32Array;
  } {
    const { nVox, R, n } = this;
    const signalVar = new Float32Array(nVox);
    const noiseVar = new Float32Array(nVox);
    const trueEV = new Float32Array(nVox);
    const ceiling = new Float32Array(nVox);
    const estimatedEV = new Float32Array(nVox);
    const runs = Math.max(1, this.runs);
    for (let v = 0; v < nVox; v++) {
      const s = (this.sv[v] as number) / runs;
      const e = (this.nv[v] as number) / runs;
      signalVar[v] = s;
      noiseVar[v] = e;
      trueEV[v] = s + e > 0 ? s / (s + e) : 0;
      ceiling[v] = s + e > 0 ? Math.sqrt(s / (s + e / R)) : 0;
      let meanVar = 0;
      for (let r = 0; r < R; r++) {
        const k = v * R + r;
        const m = (this.sumRep[k] as number) / n;
        meanVar += ((this.sqRep[k] as number) - n * m * m) / (n - 1);
      }
      meanVar /= R;
      const mm = (this.sumMean[v] as number) / n;
      const varMean = ((this.sqMean[v] as number) - n * mm * mm) / (n - 1);
      let ev = meanVar > 0 ? varMean / meanVar : 0;
      ev -= (1 - ev) / (R - 1);
      estimatedEV[v] = ev;
    }
    return { signalVar, noiseVar, trueEV, ceiling, estimatedEV };
  }
}
