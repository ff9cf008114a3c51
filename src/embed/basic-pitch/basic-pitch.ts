/**
 * Spotify's basic-pitch (ICASSP 2022) as a harmony/pitch embedder. Its weights
 * ship inside the `@spotify/basic-pitch` npm package (a TF.js graph model), so it
 * runs offline. Two engines run that graph (engine.ts):
 * - `onnx` (default): converted to ONNX in memory and run by ONNX Runtime (ort.ts);
 * - `tfjs-wasm` / `tfjs-cpu`: TF.js itself (tfjs.ts), ~5× / ~100× slower; the
 *   fallback and the tests' reference.
 *
 * The package's own `evaluateModel` frames the audio with `tf.signal.frame`,
 * whose padding kernel fails on the WASM backend (a `fill` without dtype), and is
 * tied to TF.js, so we frame here exactly as it does (same constants, same
 * overlap trimming; a test checks the outputs against `evaluateModel` on the CPU
 * backend) and batch all frames of a clip into one call.
 *
 * Model outputs per 256-sample hop at 22,050 Hz (≈ 86 frames/s): note activations
 * (88 piano keys), onset activations (88) and a pitch contour (264 bins, 3 per
 * semitone). They are computed once per clip and pooled per window into:
 */
import { Matrix } from '../../linalg/matrix.js';
import { UserError } from '../../util/errors.js';
import type { Embedder, EmbeddingBlock, WindowSpec } from '../types.js';
import { windowStarts } from '../windows.js';
import type { PitchEngine } from './engine.js';
import { AUDIO_N_SAMPLES, FFT_HOP, FRAMES_PER_INPUT, N_CONTOUR_BINS, N_NOTES, SR } from './model.js';

export const BASIC_PITCH_BLOCKS: readonly EmbeddingBlock[] = [
  {
    name: 'notes',
    start: 0,
    size: 88,
    description: 'mean note activation per piano key (A0–C8) over the window',
  },
  { name: 'onsets', start: 88, size: 88, description: 'mean onset activation per piano key' },
  {
    name: 'contour',
    start: 176,
    size: 264,
    description: 'mean pitch-contour activation, 3 bins per semitone',
  },
  {
    name: 'pitch-class',
    start: 440,
    size: 12,
    description: 'note activation folded to pitch classes C…B, normalised to sum 1 (harmony)',
  },
  {
    name: 'texture',
    start: 452,
    size: 4,
    description:
      'polyphony (mean keys > 0.5), onset rate (/s), activation-weighted mean and spread of pitch (semitones / 88)',
  },
];

export const BASIC_PITCH_DIM = 456;
/**
 * Changes whenever the pooling (or the model version) changes, invalidating cached
 * rows. The engines agree to float noise (≤ 1e-6 ONNX vs TF.js CPU, ~2e-4 vs WASM),
 * so the engine is not part of it.
 */
export const BASIC_PITCH_FINGERPRINT = 'basic-pitch:1.0.1:pool-v1';
const N_OVERLAP_FRAMES = 30;
const OVERLAP = N_OVERLAP_FRAMES * FFT_HOP;
const HOP = AUDIO_N_SAMPLES - OVERLAP;
const ANNOTATIONS_FPS = Math.floor(SR / FFT_HOP);

/** Frame-level model outputs for one clip: frames × 88, frames × 88, frames × 264. */
export interface PitchActivations {
  notes: Matrix<Float32Array>;
  onsets: Matrix<Float32Array>;
  contours: Matrix<Float32Array>;
}

export type BasicPitchBackend = 'onnx' | 'tfjs-wasm' | 'tfjs-cpu';
export const BASIC_PITCH_BACKENDS: readonly BasicPitchBackend[] = ['onnx', 'tfjs-wasm', 'tfjs-cpu'];

export interface BasicPitchOptions {
  /**
   * 'onnx' (default): ONNX Runtime on the converted graph; 'tfjs-wasm': TF.js's
   * WASM backend; 'tfjs-cpu': TF.js's pure-JS backend (slow; reference checks).
   * Unset: $B2M_BASIC_PITCH_BACKEND, else 'onnx'.
   */
  backend?: BasicPitchBackend;
  /** ONNX Runtime intra-op threads (default: 1 inside a pool worker, else every core). */
  threads?: number;
  /** 2-s model frames per call (bounds memory). Default 16. */
  batch?: number;
}

/**
 * The engine asked for: the option, else $B2M_BASIC_PITCH_BACKEND, else 'onnx'.
 * `field` names the option in errors (a CLI passes its flag).
 */
export function resolveBasicPitchBackend(backend?: string, field = 'backend'): BasicPitchBackend {
  const b = backend ?? process.env.B2M_BASIC_PITCH_BACKEND ?? 'onnx';
  if (!(BASIC_PITCH_BACKENDS as readonly string[]).includes(b)) {
    throw new UserError(`unknown basic-pitch backend "${b}"`, {
      field: backend === undefined ? 'B2M_BASIC_PITCH_BACKEND' : field,
      hint: `choose one of: ${BASIC_PITCH_BACKENDS.join(', ')}`,
    });
  }
  return b as BasicPitchBackend;
}

async function createEngine(opts: BasicPitchOptions): Promise<PitchEngine> {
  const backend = resolveBasicPitchBackend(opts.backend);
  if (backend === 'onnx') {
    const { OrtPitchEngine } = await import('./ort.js');
    return OrtPitchEngine.create(opts.threads);
  }
  const { TfjsPitchEngine } = await import('./tfjs.js');
  return TfjsPitchEngine.create(backend === 'tfjs-wasm' ? 'wasm' : 'cpu');
}

export class BasicPitchRunner {
  private constructor(
    /** The engine (for the TF.js ones, `.model` is the loaded GraphModel). */
    readonly engine: PitchEngine,
    private readonly batch: number,
  ) {}

  static async create(opts: BasicPitchOptions = {}): Promise<BasicPitchRunner> {
    return new BasicPitchRunner(await createEngine(opts), Math.max(1, opts.batch ?? 16));
  }

  /** audio: mono at 22,050 Hz → activations, trimmed to the clip's length (as basic-pitch does). */
  async activations(audio: Float32Array): Promise<PitchActivations> {
    const padded = new Float32Array(OVERLAP / 2 + audio.length);
    padded.set(audio, OVERLAP / 2);
    const nFrames = Math.ceil(padded.length / HOP);
    const keep = FRAMES_PER_INPUT - N_OVERLAP_FRAMES; // output frames per model frame after trimming both overlaps
    const total = Math.floor(audio.length * (ANNOTATIONS_FPS / SR));
    const notes = Matrix.zeros(total, N_NOTES, 'float32');
    const onsets = Matrix.zeros(total, N_NOTES, 'float32');
    const contours = Matrix.zeros(total, N_CONTOUR_BINS, 'float32');
    for (let f0 = 0; f0 < nFrames; f0 += this.batch) {
      const nb = Math.min(this.batch, nFrames - f0);
      const input = new Float32Array(nb * AUDIO_N_SAMPLES);
      for (let b = 0; b < nb; b++) {
        const s = (f0 + b) * HOP;
        input.set(padded.subarray(s, Math.min(s + AUDIO_N_SAMPLES, padded.length)), b * AUDIO_N_SAMPLES);
      }
      const heads = await this.engine.run(input, nb);
      const copy = (src: Float32Array, dst: Matrix<Float32Array>, width: number) => {
        for (let b = 0; b < nb; b++) {
          for (let t = 0; t < keep; t++) {
            const row = (f0 + b) * keep + t;
            if (row >= total) break;
            const at = (b * FRAMES_PER_INPUT + N_OVERLAP_FRAMES / 2 + t) * width;
            dst.data.set(src.subarray(at, at + width), row * width);
          }
        }
      };
      copy(heads.notes, notes, N_NOTES);
      copy(heads.onsets, onsets, N_NOTES);
      copy(heads.contours, contours, N_CONTOUR_BINS);
    }
    return { notes, onsets, contours };
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
  }
}

/** Pools activation frames [f0, f1) into one 456-d row (blocks in BASIC_PITCH_BLOCKS). */
export function poolActivations(act: PitchActivations, f0: number, f1: number, out: Float32Array): void {
  const n = Math.max(1, f1 - f0);
  out.fill(0);
  let poly = 0;
  let onsetFrames = 0;
  let wSum = 0;
  let pSum = 0;
  let p2Sum = 0;
  for (let f = f0; f < f1; f++) {
    const nr = act.notes.row(f);
    const or = act.onsets.row(f);
    const cr = act.contours.row(f);
    let anyOnset = false;
    for (let k = 0; k < 88; k++) {
      const v = nr[k] as number;
      out[k] = (out[k] as number) + v;
      out[88 + k] = (out[88 + k] as number) + (or[k] as number);
      out[440 + ((k + 9) % 12)] = (out[440 + ((k + 9) % 12)] as number) + v; // key 0 is A0: pitch class 9
      if (v > 0.5) poly++;
      if ((or[k] as number) > 0.5) anyOnset = true;
      wSum += v;
      pSum += v * k;
      p2Sum += v * k * k;
    }
    if (anyOnset) onsetFrames++;
    for (let k = 0; k < 264; k++) out[176 + k] = (out[176 + k] as number) + (cr[k] as number);
  }
  for (let k = 0; k < 440; k++) out[k] = (out[k] as number) / n;
  let pc = 0;
  for (let k = 440; k < 452; k++) pc += out[k] as number;
  for (let k = 440; k < 452; k++) out[k] = pc > 0 ? (out[k] as number) / pc : 1 / 12;
  const mean = wSum > 0 ? pSum / wSum : 0;
  out[452] = poly / n;
  out[453] = (onsetFrames / n) * (SR / FFT_HOP);
  out[454] = mean / 88;
  out[455] = wSum > 0 ? Math.sqrt(Math.max(0, p2Sum / wSum - mean * mean)) / 88 : 0;
}

export async function createBasicPitchEmbedder(opts: BasicPitchOptions = {}): Promise<Embedder> {
  const runner = await BasicPitchRunner.create(opts);
  return {
    name: 'basic-pitch',
    dim: BASIC_PITCH_DIM,
    sampleRate: SR,
    fingerprint: BASIC_PITCH_FINGERPRINT,
    blocks: BASIC_PITCH_BLOCKS,
    async embed(audio: Float32Array, windows: WindowSpec): Promise<Matrix<Float32Array>> {
      const act = await runner.activations(audio);
      const wins = windowStarts(audio.length, SR, windows);
      const out = Matrix.zeros(wins.length, BASIC_PITCH_DIM, 'float32');
      const T = act.notes.rows;
      wins.forEach((w, i) => {
        const f0 = Math.min(T, Math.floor(w.start / FFT_HOP));
        const f1 = Math.min(T, Math.max(f0 + 1, Math.ceil((w.start + w.length) / FFT_HOP)));
        poolActivations(act, Math.min(f0, Math.max(0, f1 - 1)), f1, out.row(i));
      });
      return out;
    },
    async dispose() {
      await runner.dispose();
    },
  };
}
