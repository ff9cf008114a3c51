/**
 * basic-pitch on TF.js, the package's own runtime: the WASM backend (SIMD, its
 * bundled .wasm files read from disk) or the pure-JS CPU backend. Kept as an
 * explicit alternative to the ONNX engine and as the independent reference the
 * tests compare it with; it is ~5× slower than ONNX Runtime here (the WASM
 * backend's Concat/StridedSlice/Pad/Pack on tiny last axes dominate).
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../../util/errors.js';
import type { PitchEngine, PitchHeads } from './engine.js';
import { AUDIO_N_SAMPLES, type PackagedModel, readPackagedModel, TF_OUTPUTS } from './model.js';

type Tf = typeof import('@tensorflow/tfjs');
export type GraphModel = Awaited<ReturnType<Tf['loadGraphModel']>>;

const require = createRequire(import.meta.url);

export async function loadTf(backend: 'wasm' | 'cpu'): Promise<Tf> {
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

/** The packaged graph as a TF.js GraphModel, from bytes already read (no URL fetch). */
export async function loadGraphModel(tf: Tf, model: PackagedModel): Promise<GraphModel> {
  const { json, weights } = model;
  return tf.loadGraphModel({
    load: async () => ({
      modelTopology: json.modelTopology as never,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as never,
      weightData: weights.buffer.slice(
        weights.byteOffset,
        weights.byteOffset + weights.byteLength,
      ) as ArrayBuffer,
      format: json.format as string,
      generatedBy: json.generatedBy as string,
      convertedBy: json.convertedBy as string,
    }),
  });
}

export class TfjsPitchEngine implements PitchEngine {
  private constructor(
    private readonly tf: Tf,
    /** The loaded graph, also handed to the package's own `BasicPitch` class by the tests. */
    readonly model: GraphModel,
  ) {}

  static async create(backend: 'wasm' | 'cpu'): Promise<TfjsPitchEngine> {
    const tf = await loadTf(backend);
    return new TfjsPitchEngine(tf, await loadGraphModel(tf, await readPackagedModel()));
  }

  async run(frames: Float32Array, nb: number): Promise<PitchHeads> {
    const { tf } = this;
    const x = tf.tensor3d(frames, [nb, AUDIO_N_SAMPLES, 1]);
    const outs = this.model.execute(x, [
      TF_OUTPUTS.notes,
      TF_OUTPUTS.onsets,
      TF_OUTPUTS.contours,
    ]) as import('@tensorflow/tfjs').Tensor[];
    try {
      const [notes, onsets, contours] = (await Promise.all(outs.map((o) => o.data()))) as Float32Array[];
      return {
        notes: notes as Float32Array,
        onsets: onsets as Float32Array,
        contours: contours as Float32Array,
      };
    } finally {
      tf.dispose([x, ...outs]);
    }
  }

  async dispose(): Promise<void> {
    this.model.dispose();
  }
}
