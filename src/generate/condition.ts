/**
 * From predicted attributes to one composer request: what a candidate is
 * conditioned on. Genre and instrument families are SAMPLED from the probes'
 * probabilities (so N candidates explore the plausible genres and line-ups);
 * tempo, swing, key, mode, meter and intensity are imposed from the predictions
 * (the most probable key, mode and meter), so every candidate honours them.
 */
import {
  type Conditioning,
  GENRES,
  type Genre,
  INSTRUMENT_FAMILIES,
  type InstrumentFamily,
} from '../synth/music/index.js';
import { keyName, type ModeName } from '../synth/music/theory.js';
import type { Rng } from '../util/rng.js';
import { METERS, MODE_NAMES } from './attributes.js';
import type { PredictedAttributes } from './probes.js';

/** What one candidate was asked for (JSON, in the generation record). */
export interface CandidateRequest {
  genre: Genre;
  tempo: number;
  meter: string;
  swing: number;
  key: string;
  tonic: number;
  mode: ModeName;
  intensity: number;
  /** Families drawn to play (each with its predicted probability). */
  families: InstrumentFamily[];
  condition: Conditioning;
  /** `anchored`: the library track whose score was varied. */
  anchor?: string;
}

/** Weight of an instrument whose family was not drawn (small, so a pool never empties). */
const OTHER_FAMILY_WEIGHT = 0.05;

function argmax(p: readonly number[]): number {
  let k = 0;
  for (let i = 1; i < p.length; i++) if ((p[i] as number) > (p[k] as number)) k = i;
  return k;
}

/** Energy → the composer's intensity (its section loudness and busyness): a monotone map, clipped to its range. */
export function intensityForEnergy(energy: number): number {
  return Math.min(1, Math.max(0.35, 0.2 + 1.2 * energy));
}

/** Draws one candidate's request from `p` with `rng`. */
export function sampleRequest(p: PredictedAttributes, rng: Rng): CandidateRequest {
  const genre = rng.weighted(
    GENRES,
    GENRES.map((g) => p.genre[g]),
  );
  const families = INSTRUMENT_FAMILIES.filter((f) => rng.chance(p.instruments[f]));
  const mode = MODE_NAMES[argmax(MODE_NAMES.map((m) => p.mode[m]))] as ModeName;
  const tonic = argmax(p.tonic);
  const meter = METERS[argmax(METERS.map((m) => p.meter[m]))] as string;
  const swing = p.swing > 0.04 ? p.swing : 0;
  const intensity = intensityForEnergy(p.energy);
  const tempo = Math.round(p.tempo * 10) / 10;
  const condition: Conditioning = {
    tempo,
    beatsPerBar: meter === '3/4' ? 3 : 4,
    swing,
    mode,
    tonic,
    intensity,
    presence: { drums: families.includes('drums') ? 1 : 0, bass: families.includes('bass') ? 1 : 0 },
    familyWeights: Object.fromEntries(families.map((f) => [f, 1])),
    otherFamilies: OTHER_FAMILY_WEIGHT,
  };
  return {
    genre,
    tempo,
    meter,
    swing,
    key: keyName(tonic, mode),
    tonic,
    mode,
    intensity,
    families,
    condition,
  };
}
