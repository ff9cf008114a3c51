/**
 * Audio: decoding, resampling, writing, stimulus cutting and the DSP features.
 *
 * Shapes: frame features are `Matrix<Float32Array>` with one row per band /
 * coefficient / pitch class and one column per frame (librosa's layout; frame t
 * centred at t·hop/sr s); modulation is patches × features.
 *
 * Rules for awkward inputs (each tested in robustness.test.ts or beside its module):
 * | input | rule |
 * |---|---|
 * | silence | mel/spectra 0 → −100 dB (amin 1e-10); chroma 0; centroid, rolloff 0; flatness 1; tempo 0 BPM; stimulus cutting: error (cannot RMS-normalise) |
 * | clipping | samples at ±1 are analysed as they are; the WAV writer saturates (never wraps) and counts clipped samples |
 * | DC offset | kept: it lands in FFT bin 0, i.e. the lowest mel bands (fmin 0 as librosa) |
 * | very short | 0 samples: error; ≥ 1 sample: ≥ 1 centred frame (numpy reflect padding, repeated); delta needs ≥ width frames, tempo ≥ 2 beats at 30 BPM: clear errors; modulation zero-pads to one patch |
 * | very long | frames are computed one at a time (memory = the output); files up to 2 GiB decode |
 * | mono/stereo | channels are averaged (librosa's to_mono) |
 * | 8–48 kHz | any integer rate 1–384 kHz is accepted; features resample to the analysis rate (default 22,050 Hz) with the scipy-equivalent polyphase filter; fmax > Nyquist is an error |
 * | NaN/Inf samples | decode error naming the file |
 */
export { decodeAu, encodeAu16, isAu } from './au.js';
export { type ChromaFilterOptions, type ChromaOptions, chroma, chromaFilterbank } from './chroma.js';
export { amplitudeToDb, type DbOptions, dbToPower, powerToDb } from './db.js';
export {
  decodeAudioBytes,
  decodeAudioFile,
  type LoadedAudio,
  loadAudio,
  toMono,
  validateAudio,
} from './decode.js';
export { encodeMp3, type Mp3Options, writeMp3 } from './encode.js';
export { FEATURES, type FeatureOptions, type FeatureOutput, type FeatureSpec } from './features.js';
export { ComplexFFT, RealFFT } from './fft.js';
export {
  type LogFreqOptions,
  type LogFreqSpectrogram,
  logFrequencyFilterbank,
  logFrequencySpectrogram,
} from './logfreq.js';
export {
  hzToMel,
  type MelFilterbank,
  type MelFilterOptions,
  type MelOptions,
  melFilterbank,
  melFilterbankDense,
  melFrequencies,
  melSpectrogram,
  melSpectrogramAt,
  melToHz,
} from './mel.js';
export { type DeltaOptions, dctMatrix, delta, type MfccOptions, mfcc, mfccFromMelDb } from './mfcc.js';
export {
  DEFAULT_GRID,
  type ModulationGrid,
  type ModulationOptions,
  type ModulationResult,
  modulationFeatureNames,
  modulationFromSpectrogram,
  modulationSpectrum,
} from './modulation.js';
export {
  estimateTempo,
  type OnsetOptions,
  onsetStrength,
  type TempoEstimate,
  type TempoOptions,
} from './onset.js';
export { type ResampleOptions, Resampler, resample } from './resample.js';
export { type SpectralFeatures, type SpectralOptions, spectralFeatures } from './spectral.js';
export {
  fftFrequencies,
  forEachPowerFrame,
  frameCount,
  type PadMode,
  resolveStft,
  type StftOptions,
  spectrogram,
} from './stft.js';
export {
  CUT_DEFAULTS,
  type CutClipRecord,
  type CutOptions,
  cutExcerpt,
  cutStimuli,
  findGtzanTrack,
  gtzanStem,
  manifestCsv,
  roundHalfUp,
  type StimulusClip,
  type StimulusManifest,
  sineFade,
} from './stimuli.js';
export { type AudioData, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from './types.js';
export { encodeWav, type WavBitDepth, type WavOptions, writeWav } from './wav.js';
