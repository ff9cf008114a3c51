/**
 * Spotify's basic-pitch (ICASSP 2022) as a harmony/pitch embedder. Its weights
 * ship inside the `@spotify/basic-pitch` npm package (a TF.js graph model), so it
 * runs offline. We run the graph on TF.js's WASM backend (SIMD, bundled .wasm
 * files read from disk) — the pure-JS CPU backend is ~15× slower.
 *
 * The package's own `evaluateModel` frames the audio with `tf.signal.frame`,
 * whose padding kernel fails on the WASM backend (a `fill` without dtype), so we
 * frame here exactly as it does (same constants, same overlap trimming; a test
 * checks the outputs against `evaluateModel` on the CPU backend) and batch all
 * frames of a clip into one call.
 *
 * Model outputs per 256-sample hop at 22,050 Hz (≈ 86 frames/s): note activations
 * (88 piano keys), onset activations (88) and a pitch contour (264 bins, 3 per
 * semitone). They are computed once per clip and pooled per window into:
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import type { Embedder, EmbeddingBlock, WindowSpec } from './types.js';
import { windowStarts } from './windows.js';

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
/** Changes whenever the pooling (or the model version) changes, invalidating cached rows. */
export const BASIC_PITCH_FINGERPRINT = 'basic-pitch:1.0.1:pool-v1';
const SR = 22050;
const FFT_HOP = 256;
const AUDIO_N_SAMPLES = SR * 2 - FFT_HOP; // 43,844: the model's input length
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

export interface BasicPitchOptions {
  /** TF.js backend: 'wasm' (default, fast) or 'cpu' (pure JS, slow; for reference checks). */
  backend?: 'wasm' | 'cpu';
  /** 2-s model frames per call (bounds memory). Default 16. */
  batch?: number;
}

type Tf = typeof import('@tensorflow/tfjs');
type GraphModel = Awaited<ReturnType<Tf['loadGraphModel']>>;

const require = createRequire(import.meta.url);

async function loadTf(backend: 'wasm' | 'cpu'): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // The .wasm binaries ship in the package; point the loader at them on disk.
    wasm.setWasmPaths(
      `${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`,
    );
  }
  if (tf.getBackend() !== backend) {
    const ok = await tf.setBackend(backend);
    if (!ok) {
      throw new UserError(`TF.js backend "${backend}" failed to start for basic-pitch`, {
        hint: 'reinstall @tensorflow/tfjs-backend-wasm (npm ci); its dist/*.wasm files must be present',
      });
    }
  }
  await tf.ready();
  return tf;
}

/** Loads the graph model shipped in @spotify/basic-pitch from disk (no URL fetch). */
async function loadModel(tf: Tf): Promise<GraphModel> {
  const dir = join(dirname(require.resolve('@spotify/basic-pitch/package.json')), 'model');
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest)
    for (const p of group.paths) shards.push(await readFile(join(dir, p)));
  const all = Buffer.concat(shards);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights),
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy,
    }),
  });
}

export class BasicPitchRunner {
  private constructor(
    private readonly tf: Tf,
    private readonly model: GraphModel,
    private readonly batch: number,
  ) {}

  static async create(opts: BasicPitchOptions = {}): Promise<BasicPitchRunner> {
    const tf = await loadTf(opts.backend ?? 'wasm');
    return new BasicPitchRunner(tf, await loadModel(tf), Math.max(1, opts.batch ?? 16));
  }

  /** audio: mono at 22,050 Hz → activations, trimmed to the clip's length (as basic-pitch does). */
  async activations(audio: Float32Array): Promise<PitchActivations> {
    const { tf } = this;
    const padded = new Float32Array(OVERLAP / 2 + audio.length);
    padded.set(audio, OVERLAP / 2);
    const nFrames = Math.ceil(padded.length / HOP);
    const keep = 172 - N_OVERLAP_FRAMES; // output frames per model frame after trimming both overlaps
    const total = Math.floor(audio.length * (ANNOTATIONS_FPS / SR));
    const notes = Matrix.zeros(total, 88, 'float32');
    const onsets = Matrix.zeros(total, 88, 'float32');
    const contours = Matrix.zeros(total, 264, 'float32');
    for (let f0 = 0; f0 < nFrames; f0 += this.batch) {
      const nb = Math.min(this.batch, nFrames - f0);
      const input = new Float32Array(nb * AUDIO_N_SAMPLES);
      for (let b = 0; b < nb; b++) {
        const s = (f0 + b) * HOP;
        input.set(padded.subarray(s, Math.min(s + AUDIO_N_SAMPLES, padded.length)), b * AUDIO_N_SAMPLES);
      }
      const x = tf.tensor3d(input, [nb, AUDIO_N_SAMPLES, 1]);
      const outs = this.model.execute(x, [
        'Identity_1',
        'Identity_2',
        'Identity',
      ]) as import('@tensorflow/tfjs').Tensor[];
      const [fr, on, co] = (await Promise.all(outs.map((o) => o.data()))) as Float32Array[];
      tf.dispose([x, ...outs]);
      const nOut = (outs[0] as { shape: number[] }).shape[1] as number;
      for (let b = 0; b < nb; b++) {
        for (let t = 0; t < keep; t++) {
          const dst = (f0 + b) * keep + t;
          if (dst >= total) break;
          const src = b * nOut + N_OVERLAP_FRAMES / 2 + t;
          notes.data.set((fr as Float32Array).subarray(src * 88, src * 88 + 88), dst * 88);
          onsets.data.set((on as Float32Array).subarray(src * 88, src * 88 + 88), dst * 88);
          contours.data.set((co as Float32Array).subarray(src * 264, src * 264 + 264), dst * 264);
        }
      }
    }
    return { notes, onsets, contours };
  }

  dispose(): void {
    this.model.dispose();
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
      runner.dispose();
    },
  };
}
