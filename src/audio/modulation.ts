/**
 * Spectro-temporal modulation energy (an MTF-like representation, after
 * Chi, Ru & Shamma 2005 and the modulation-transfer-function features of
 * Nakai et al. 2021): how much a sound's log spectrogram fluctuates at each
 * temporal rate (Hz) and spectral scale (cycles/octave), and in which direction.
 *
 * Pipeline: log-frequency power spectrogram (`logfreq.ts`: 12 bands/octave,
 * 110–7,040 Hz, 43 frames/s at 22,050 Hz) → dB (top_db 80) → patches of
 * `patchSeconds` (default 3 s) every `hopSeconds` (default 1.5 s) → per patch:
 * subtract the mean, Hann-window both axes, 2-D DFT, power |P|² scaled by
 * 1/(N·Σw²) (so the cells add up to the windowed patch's variance, in dB²) →
 * summed into cells of the grid:
 *
 * | axis | centres (octave-wide cells, edges at c/√2 and c·√2) |
 * |---|---|
 * | rate (Hz) | 0.5, 1, 2, 4, 8, 16 (the first cell also takes rates down to 0, the last up to the frame-rate Nyquist) |
 * | scale (cyc/oct) | 0.25, 0.5, 1, 2, 4 (likewise down to 0 and up to B/2 = 6) |
 * | direction | down (pitch falling: rate and scale of equal sign in the DFT), up (opposite signs); components with rate 0 or scale 0 go half to each |
 *
 * Output: n_patches × 60 features (direction-major, then rate, then scale;
 * names like `up_r4_s1`). A clip shorter than one patch is zero-padded to it.
 */
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { powerToDb } from './db.js';
import { ComplexFFT } from './fft.js';
import { type LogFreqOptions, logFrequencySpectrogram } from './logfreq.js';

export interface ModulationGrid {
  /** Temporal modulation rates, Hz, ascending. */
  rates: number[];
  /** Spectral modulation scales, cycles/octave, ascending. */
  scales: number[];
}

export const DEFAULT_GRID: ModulationGrid = {
  rates: [0.5, 1, 2, 4, 8, 16],
  scales: [0.25, 0.5, 1, 2, 4],
};

export interface ModulationOptions extends Partial<ModulationGrid> {
  /** Patch length in seconds (default 3). */
  patchSeconds?: number;
  /** Step between patches in seconds (default 1.5). */
  hopSeconds?: number;
}

export interface ModulationResult {
  /** n_patches × n_features (2 · rates · scales), energies in dB². */
  features: Matrix<Float32Array>;
  names: string[];
  grid: ModulationGrid;
  /** Start time of every patch, seconds. */
  patchStarts: Float64Array;
  /** Mean over patches: one n_features vector for the whole input. */
  mean: Float32Array;
}

/** Feature names in output order: `${direction}_r${rate}_s${scale}`. */
export function modulationFeatureNames(grid: ModulationGrid = DEFAULT_GRID): string[] {
  const names: string[] = [];
  for (const d of ['down', 'up'])
    for (const r of grid.rates) for (const s of grid.scales) names.push(`${d}_r${r}_s${s}`);
  return names;
}

/** Cell index of |value| on an octave grid (−1 if outside every cell). */
function cellOf(v: number, centres: number[]): number {
  const n = centres.length;
  for (let i = 0; i < n; i++) {
    const lo = i === 0 ? 0 : (centres[i] as number) / Math.SQRT2;
    const hi = i === n - 1 ? Number.POSITIVE_INFINITY : (centres[i] as number) * Math.SQRT2;
    if (v >= lo && v < hi) return i;
  }
  return -1;
}

function checkGrid(grid: ModulationGrid): void {
  for (const [name, v] of Object.entries(grid) as [string, number[]][]) {
    if (v.length === 0 || v.some((x, i) => !(x > 0) || (i > 0 && x <= (v[i - 1] as number)))) {
      throw new UserError(`modulation ${name} must be positive and ascending, got [${v.join(', ')}]`, {
        field: name,
      });
    }
  }
}

function hann(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n));
}

/**
 * Modulation energies of a log spectrogram `logSpec` (bands × frames, e.g. dB)
 * whose bands are `binsPerOctave` per octave and frames `frameRate` per second.
 */
export function modulationFromSpectrogram(
  logSpec: Matrix,
  frameRate: number,
  binsPerOctave: number,
  opts: ModulationOptions = {},
): ModulationResult {
  const grid: ModulationGrid = {
    rates: opts.rates ?? DEFAULT_GRID.rates,
    scales: opts.scales ?? DEFAULT_GRID.scales,
  };
  checkGrid(grid);
  const F = logSpec.rows;
  const T = Math.max(4, Math.round((opts.patchSeconds ?? 3) * frameRate));
  const hop = Math.max(1, Math.round((opts.hopSeconds ?? 1.5) * frameRate));
  if (F < 2) throw new UserError(`modulation needs ≥ 2 frequency bands, got ${F}`, { field: 'bands' });
  const nFrames = logSpec.cols;
  const nPatches = nFrames <= T ? 1 : 1 + Math.floor((nFrames - T) / hop);
  const nR = grid.rates.length;
  const nS = grid.scales.length;
  const nFeat = 2 * nR * nS;
  const out = Matrix.zeros(nPatches, nFeat, 'float32');
  const wt = hann(T);
  const wf = hann(F);
  let wsum = 0;
  for (let f = 0; f < F; f++)
    for (let t = 0; t < T; t++) wsum += ((wf[f] as number) * (wt[t] as number)) ** 2;
  const scale = 1 / (F * T * wsum);
  // Cells of every DFT coefficient, computed once per patch shape.
  const rateCell = Int32Array.from({ length: T }, (_, k) =>
    cellOf((Math.min(k, T - k) * frameRate) / T, grid.rates),
  );
  const scaleCell = Int32Array.from({ length: F }, (_, k) =>
    cellOf((Math.min(k, F - k) * binsPerOctave) / F, grid.scales),
  );
  const sgn = (k: number, n: number) => (k === 0 ? 0 : k <= n / 2 ? 1 : -1);
  const fftT = new ComplexFFT(T);
  const fftF = new ComplexFFT(F);
  const re = new Float64Array(F * T);
  const im = new Float64Array(F * T);
  const rowRe = new Float64Array(T);
  const rowIm = new Float64Array(T);
  const colRe = new Float64Array(F);
  const colIm = new Float64Array(F);
  const patchStarts = new Float64Array(nPatches);
  for (let p = 0; p < nPatches; p++) {
    const t0 = p * hop;
    patchStarts[p] = t0 / frameRate;
    const len = Math.min(T, nFrames - t0);
    let mean = 0;
    for (let f = 0; f < F; f++)
      for (let t = 0; t < len; t++) mean += logSpec.data[f * nFrames + t0 + t] as number;
    mean /= F * len;
    for (let f = 0; f < F; f++) {
      for (let t = 0; t < T; t++) {
        rowRe[t] =
          t < len
            ? ((logSpec.data[f * nFrames + t0 + t] as number) - mean) * (wf[f] as number) * (wt[t] as number)
            : 0;
        rowIm[t] = 0;
      }
      fftT.forward(rowRe, rowIm);
      re.set(rowRe, f * T);
      im.set(rowIm, f * T);
    }
    const row = out.data.subarray(p * nFeat, (p + 1) * nFeat);
    for (let kt = 0; kt < T; kt++) {
      for (let f = 0; f < F; f++) {
        colRe[f] = re[f * T + kt] as number;
        colIm[f] = im[f * T + kt] as number;
      }
      fftF.forward(colRe, colIm);
      const rc = rateCell[kt] as number;
      if (rc < 0) continue;
      const st = sgn(kt, T);
      for (let kf = 0; kf < F; kf++) {
        const sc = scaleCell[kf] as number;
        if (sc < 0) continue;
        const e = ((colRe[kf] as number) ** 2 + (colIm[kf] as number) ** 2) * scale;
        const dir = st * sgn(kf, F);
        const down = rc * nS + sc;
        const up = nR * nS + down;
        if (dir > 0) row[down] = (row[down] as number) + e;
        else if (dir < 0) row[up] = (row[up] as number) + e;
        else {
          row[down] = (row[down] as number) + e / 2;
          row[up] = (row[up] as number) + e / 2;
        }
      }
    }
  }
  const meanVec = new Float32Array(nFeat);
  for (let p = 0; p < nPatches; p++) {
    for (let j = 0; j < nFeat; j++)
      meanVec[j] = (meanVec[j] as number) + (out.data[p * nFeat + j] as number) / nPatches;
  }
  return { features: out, names: modulationFeatureNames(grid), grid, patchStarts, mean: meanVec };
}

/** Modulation energies of mono samples at rate sr (see the module comment for every default). */
export function modulationSpectrum(
  x: Float32Array | Float64Array,
  sr: number,
  opts: ModulationOptions & LogFreqOptions = {},
): ModulationResult {
  const lf = logFrequencySpectrogram(x, sr, opts);
  const db = new Matrix(lf.power.rows, lf.power.cols, powerToDb(lf.power.data));
  return modulationFromSpectrogram(db, lf.frameRate, lf.binsPerOctave, opts);
}
