/**
 * The basic-pitch model as it ships in `@spotify/basic-pitch`: a TF.js graph
 * (`model/model.json` + weight shards), read from disk, never from a URL. Both
 * engines start from these bytes: TF.js loads them as they are, the ONNX engine
 * converts them in memory (convert.ts).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../../util/errors.js';
import type { TfjsModelJson } from './convert.js';

export const SR = 22050;
export const FFT_HOP = 256;
/** Samples per model frame (2 s less one hop: 43,844). */
export const AUDIO_N_SAMPLES = SR * 2 - FFT_HOP;
/** Output frames per model frame. */
export const FRAMES_PER_INPUT = 172;
export const N_NOTES = 88;
export const N_CONTOUR_BINS = 264;

/** TF output node of each head (the graph's own names are Identity, Identity_1, Identity_2). */
export const TF_OUTPUTS = { notes: 'Identity_1', onsets: 'Identity_2', contours: 'Identity' } as const;

export interface PackagedModel {
  /** model.json, parsed (TF.js graph-model format). */
  json: TfjsModelJson & Record<string, unknown>;
  /** The weight shards concatenated in manifest order. */
  weights: Uint8Array;
}

const require = createRequire(import.meta.url);

export async function readPackagedModel(): Promise<PackagedModel> {
  let dir: string;
  try {
    dir = join(dirname(require.resolve('@spotify/basic-pitch/package.json')), 'model');
  } catch (e) {
    throw new UserError('the @spotify/basic-pitch package is not installed', {
      hint: 'run npm ci in the brain2music folder',
      cause: e,
    });
  }
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as PackagedModel['json'];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest)
    for (const p of group.paths) shards.push(await readFile(join(dir, p)));
  return { json, weights: new Uint8Array(Buffer.concat(shards)) };
}
