/**
 * Generation: conditioning probes (embedding → musical attributes), generators
 * behind one registry (`composer`, `anchored`, `musicgen`), and the stage entry points the
 * pipeline calls. Reconstruction metrics live in src/evaluate/reconstruction/.
 */

export { cosine } from '../evaluate/correlation.js';
export { anchoredGenerator } from './anchor-audio.js';
export { type MusicAttributes, parseAttributesTsv, readAttributesTsv } from './attributes.js';
export { CAPTION_SPACE_DIM, CaptionPrompter, type PromptNeighbour } from './captions.js';
export { checkGenerators } from './check.js';
export { composerGenerator } from './composer.js';
export { type CandidateRequest, sampleRequest } from './condition.js';
export { fitLogistic, type LogisticModel, predictLogistic } from './logistic.js';
export { checkModelFolder, MUSICGEN_FILES, onnxProblem } from './model-folder.js';
export { musicgenGenerator } from './musicgen.js';
export { writeStandinMusicgen } from './musicgen-standin.js';
export {
  AttributeProbes,
  fitAttributeProbes,
  type PredictedAttributes,
  type ProbeOptions,
  type ProbeScore,
} from './probes.js';
export { DEFAULT_GENERATOR, GENERATORS, generatorByName } from './registry.js';
export {
  closeGeneration,
  DEFAULT_CANDIDATES,
  type GenerateForSubjectInput,
  type GenerateForSubjectResult,
  type GenerateOptions,
  type GenerationFile,
  type GenerationShared,
  generateForSubject,
  type PrepareGenerationInput,
  prepareGeneration,
  reconstructionBlock,
  type TestClip,
} from './run.js';
export type {
  BrainSelection,
  CandidateRecord,
  GeneratedClip,
  GenerationTarget,
  Generator,
  GeneratorContext,
  PromptRecord,
} from './types.js';
