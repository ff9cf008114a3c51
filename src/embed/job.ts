/**
 * One clip's work, the same in the main thread and in a worker: decode the file,
 * prepare it for the embedder (prepare.ts rules) and embed its windows.
 */
import { decodeAudioFile } from '../audio/decode.js';
import type { Matrix } from '../linalg/matrix.js';
import { prepareAudio } from './prepare.js';
import type { Embedder, WindowSpec } from './types.js';

export interface ClipJobSettings {
  windows: WindowSpec;
  /** Longest accepted clip in seconds (prepare.ts). */
  maxSeconds?: number;
}

export async function embedFile(
  embedder: Embedder,
  path: string,
  settings: ClipJobSettings,
): Promise<Matrix<Float32Array>> {
  const audio = await decodeAudioFile(path);
  const x = prepareAudio(audio, embedder.sampleRate, { maxSeconds: settings.maxSeconds, file: path });
  return embedder.embed(x, settings.windows);
}
