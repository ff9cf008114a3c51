/**
 * basic-pitch on ONNX Runtime (onnxruntime-node's CPU build, which ships inside
 * the npm package): the packaged TF.js graph is converted to ONNX in memory at
 * load time (convert.ts) — nothing is downloaded or written to disk.
 *
 * Why: on TF.js's WASM backend most of the time went to Concat/StridedSlice/Pad/
 * Pack on tensors with a last axis of 1–8 and the convolutions ran at ~13 GFLOP/s;
 * ONNX Runtime fuses or removes the layout ops and runs the convolutions with
 * its blocked (NCHWc) kernels, ~5× faster per clip on one core.
 */
import { availableParallelism } from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { UserError } from '../../util/errors.js';
import { convertTfjsGraph } from './convert.js';
import type { PitchEngine, PitchHeads } from './engine.js';
import { AUDIO_N_SAMPLES, readPackagedModel, TF_OUTPUTS } from './model.js';

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

const INPUT = 'audio';

let converted: Promise<Uint8Array> | null = null;

/** The ONNX bytes of the packaged model, converted once per thread. */
export function basicPitchOnnx(): Promise<Uint8Array> {
  converted ??= (async () => {
    const m = await readPackagedModel();
    return convertTfjsGraph(m.json, m.weights, {
      inputName: INPUT,
      outputs: {
        [TF_OUTPUTS.notes]: 'notes',
        [TF_OUTPUTS.onsets]: 'onsets',
        [TF_OUTPUTS.contours]: 'contours',
      },
    }).bytes;
  })();
  converted.catch(() => {
    converted = null;
  });
  return converted;
}

/**
 * Threads for one session: inside a pool worker 1 (the pool already runs one
 * worker per core, and more threads than cores only contend), else every core.
 */
export function defaultOrtThreads(): number {
  return isMainThread ? availableParallelism() : 1;
}

async function loadOrt(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (e) {
    throw new UserError(`ONNX Runtime (onnxruntime-node) failed to load: ${(e as Error).message}`, {
      hint: "run npm ci; or use basic-pitch's TF.js engine (backend 'tfjs-wasm')",
      cause: e,
    });
  }
}

export class OrtPitchEngine implements PitchEngine {
  private constructor(
    private readonly ort: Ort,
    private readonly session: Session,
  ) {}

  /** threads: intra-op threads (default: defaultOrtThreads()). */
  static async create(threads?: number): Promise<OrtPitchEngine> {
    const ort = await loadOrt();
    const n = Math.max(1, Math.floor(threads ?? defaultOrtThreads()));
    const session = await ort.InferenceSession.create(await basicPitchOnnx(), {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: n,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 3,
    });
    return new OrtPitchEngine(ort, session);
  }

  async run(frames: Float32Array, nb: number): Promise<PitchHeads> {
    const input = new this.ort.Tensor('float32', frames, [nb, AUDIO_N_SAMPLES, 1]);
    const out = await this.session.run({ [INPUT]: input });
    const get = (k: string) => out[k]?.data as Float32Array;
    return { notes: get('notes'), onsets: get('onsets'), contours: get('contours') };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}
