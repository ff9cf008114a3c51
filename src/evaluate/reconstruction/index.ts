/**
 * Reconstruction metrics (paper §3.9 plus acoustic agreement) and the tagger they
 * use, which never shares the decoding embedding.
 */
export { type AcousticSummary, analyseAudio, estimateKey, TAGGER_FEATURE_NAMES } from './acoustic.js';
export { agreementAtN, type ClipAnalysis, PAIRWISE, reconstructionMetrics, tempoError } from './metrics.js';
export {
  ACOUSTIC_STATS,
  Tagger,
  type TaggerReport,
  type TaggerRepresentation,
  type Tags,
  topK,
  trainTagger,
} from './tagger.js';
