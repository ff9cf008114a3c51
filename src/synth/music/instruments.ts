/**
 * The General MIDI programs the composer uses, each with the instrument family that
 * the ground-truth attributes and captions name. Program numbers are 0-based (GM 1 =
 * Acoustic Grand Piano is program 0).
 */

/** Instrument families: the multi-hot `instruments` attribute, in this order. */
export const INSTRUMENT_FAMILIES = [
  'drums',
  'bass',
  'piano',
  'keys',
  'organ',
  'acoustic_guitar',
  'electric_guitar',
  'distorted_guitar',
  'strings',
  'brass',
  'woodwinds',
  'saxophone',
  'synth',
  'voice',
  'mallets',
  'folk',
] as const;
export type InstrumentFamily = (typeof INSTRUMENT_FAMILIES)[number];

export interface InstrumentInfo {
  /** A caption-friendly name ("electric piano"). */
  name: string;
  family: InstrumentFamily;
  /** Lowest and highest comfortable MIDI pitch for melodic writing. */
  range: [number, number];
}

/** GM program → instrument (melodic channels). */
export const GM: Readonly<Record<number, InstrumentInfo>> = {
  0: { name: 'grand piano', family: 'piano', range: [36, 96] },
  1: { name: 'bright piano', family: 'piano', range: [36, 96] },
  2: { name: 'electric grand piano', family: 'piano', range: [36, 96] },
  4: { name: 'electric piano', family: 'keys', range: [40, 88] },
  5: { name: 'FM electric piano', family: 'keys', range: [40, 88] },
  6: { name: 'harpsichord', family: 'keys', range: [41, 89] },
  11: { name: 'vibraphone', family: 'mallets', range: [53, 89] },
  12: { name: 'marimba', family: 'mallets', range: [48, 84] },
  16: { name: 'drawbar organ', family: 'organ', range: [36, 96] },
  17: { name: 'percussive organ', family: 'organ', range: [36, 96] },
  18: { name: 'rock organ', family: 'organ', range: [36, 96] },
  19: { name: 'church organ', family: 'organ', range: [36, 96] },
  21: { name: 'accordion', family: 'folk', range: [53, 89] },
  22: { name: 'harmonica', family: 'folk', range: [60, 84] },
  24: { name: 'nylon-string guitar', family: 'acoustic_guitar', range: [40, 83] },
  25: { name: 'steel-string acoustic guitar', family: 'acoustic_guitar', range: [40, 83] },
  26: { name: 'jazz guitar', family: 'electric_guitar', range: [40, 84] },
  27: { name: 'clean electric guitar', family: 'electric_guitar', range: [40, 86] },
  28: { name: 'muted electric guitar', family: 'electric_guitar', range: [40, 86] },
  29: { name: 'overdriven guitar', family: 'distorted_guitar', range: [40, 86] },
  30: { name: 'distorted guitar', family: 'distorted_guitar', range: [40, 86] },
  32: { name: 'upright bass', family: 'bass', range: [28, 55] },
  33: { name: 'electric bass', family: 'bass', range: [28, 55] },
  34: { name: 'picked bass', family: 'bass', range: [28, 55] },
  35: { name: 'fretless bass', family: 'bass', range: [28, 55] },
  36: { name: 'slap bass', family: 'bass', range: [28, 55] },
  38: { name: 'synth bass', family: 'bass', range: [24, 55] },
  39: { name: 'analog synth bass', family: 'bass', range: [24, 55] },
  40: { name: 'violin', family: 'strings', range: [55, 93] },
  41: { name: 'viola', family: 'strings', range: [48, 84] },
  42: { name: 'cello', family: 'strings', range: [36, 72] },
  43: { name: 'double bass', family: 'strings', range: [28, 55] },
  45: { name: 'pizzicato strings', family: 'strings', range: [36, 84] },
  46: { name: 'harp', family: 'strings', range: [36, 91] },
  48: { name: 'string ensemble', family: 'strings', range: [36, 91] },
  49: { name: 'slow strings', family: 'strings', range: [36, 91] },
  50: { name: 'synth strings', family: 'synth', range: [36, 91] },
  52: { name: 'choir', family: 'voice', range: [48, 79] },
  53: { name: 'vocal oohs', family: 'voice', range: [48, 79] },
  54: { name: 'synth voice', family: 'voice', range: [48, 79] },
  56: { name: 'trumpet', family: 'brass', range: [55, 82] },
  57: { name: 'trombone', family: 'brass', range: [40, 72] },
  60: { name: 'French horn', family: 'brass', range: [41, 77] },
  61: { name: 'brass section', family: 'brass', range: [48, 82] },
  62: { name: 'synth brass', family: 'synth', range: [48, 82] },
  64: { name: 'soprano saxophone', family: 'saxophone', range: [56, 87] },
  65: { name: 'alto saxophone', family: 'saxophone', range: [49, 81] },
  66: { name: 'tenor saxophone', family: 'saxophone', range: [44, 76] },
  68: { name: 'oboe', family: 'woodwinds', range: [58, 91] },
  70: { name: 'bassoon', family: 'woodwinds', range: [34, 72] },
  71: { name: 'clarinet', family: 'woodwinds', range: [50, 91] },
  73: { name: 'flute', family: 'woodwinds', range: [60, 96] },
  75: { name: 'pan flute', family: 'woodwinds', range: [60, 91] },
  80: { name: 'square-wave synth lead', family: 'synth', range: [48, 84] },
  81: { name: 'sawtooth synth lead', family: 'synth', range: [48, 84] },
  88: { name: 'new-age synth pad', family: 'synth', range: [48, 84] },
  89: { name: 'warm synth pad', family: 'synth', range: [48, 84] },
  90: { name: 'polysynth pad', family: 'synth', range: [48, 84] },
  105: { name: 'banjo', family: 'folk', range: [48, 84] },
  110: { name: 'fiddle', family: 'folk', range: [55, 93] },
  114: { name: 'steel drums', family: 'mallets', range: [52, 84] },
};

/** GM drum kits (program on channel 9) and their caption names. */
export const DRUM_KITS: Readonly<Record<number, string>> = {
  0: 'standard drum kit',
  8: 'room drum kit',
  16: 'power drum kit',
  24: 'electronic drum kit',
  25: 'TR-808 drum machine',
  32: 'jazz drum kit',
  40: 'brush drum kit',
};

/** GM percussion key numbers the drum patterns use. */
export const DRUM = {
  kick: 36,
  kick2: 35,
  rim: 37,
  snare: 38,
  clap: 39,
  snare2: 40,
  lowTom: 45,
  hat: 42,
  pedalHat: 44,
  openHat: 46,
  midTom: 47,
  hiTom: 50,
  crash: 49,
  ride: 51,
  rideBell: 53,
  tambourine: 54,
  cowbell: 56,
  shaker: 70,
  bongoHi: 60,
  bongoLo: 61,
  conga: 63,
  congaLo: 64,
  guiro: 73,
} as const;

export function instrumentInfo(program: number): InstrumentInfo {
  const info = GM[program];
  if (!info) throw new Error(`GM program ${program} is not in the composer's instrument table`);
  return info;
}
