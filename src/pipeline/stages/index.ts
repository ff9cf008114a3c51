/** Every stage by name: what a job names, and what a worker looks up. Adding a stage = one line here. */
import { libraryIndexStage } from '../../retrieve/stage.js';
import { cacheDir } from '../../util/cache-dir.js';
import type { Stage } from '../stage.js';
import { decodeStage } from './decode.js';
import { embedStimuliStage } from './embed-stimuli.js';
import { encodeChunkStage, encodeStage } from './encode.js';
import { generateStage } from './generate.js';
import { prepareStage } from './prepare.js';

// biome-ignore lint/suspicious/noExplicitAny: a registry of stages of different input and output types
export const STAGES: Record<string, Stage<any, any, any>> = {
  [embedStimuliStage.name]: embedStimuliStage,
  [prepareStage.name]: prepareStage,
  [decodeStage.name]: decodeStage,
  [encodeChunkStage.name]: encodeChunkStage,
  [encodeStage.name]: encodeStage,
  [generateStage.name]: generateStage,
  // The embedding cache is content-addressed and machine-local: not part of the key.
  'library-index': libraryIndexStage({ cacheDir: cacheDir('embed') }),
};

/** Adds a stage to the registry (extensions, and the queue tests' own stages). */
// biome-ignore lint/suspicious/noExplicitAny: see STAGES
export function registerStage(stage: Stage<any, any, any>): void {
  if (STAGES[stage.name] && STAGES[stage.name] !== stage)
    throw new Error(`a different stage named ${stage.name} is registered`);
  STAGES[stage.name] = stage;
}
