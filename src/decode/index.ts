/**
 * Decoding: brain → embedding. Five decoders behind one contract (`types.ts`) and
 * a registry, plus the outer cross-validation that re-runs a decoder's whole
 * procedure per fold.
 */
export { checkDecodeData, runGroups } from './common.js';
export { type DecodeConfig, DecodeConfigSchema } from './config.js';
export { crossValidatedPredictions, leaveGroupOutPredictions, sliceDecodeData } from './cross-validate.js';
export { fitKernelRidgeCV, type KernelRidgeCVOptions, type KernelRidgeCVResult } from './kernel-rbf.js';
export { DECODERS, getDecoder } from './registry.js';
export type { DecodeData, Decoder, DecoderFit, DecoderOptions, DecoderRuntime } from './types.js';
