/**
 * Independent seeds for each random draw of an evaluation (permutations, each
 * bootstrap), derived from the run's seed and a label, so adding a metric never
 * shifts the random stream of another.
 */
import { hashString } from '../util/rng.js';

/** The seed of draw `label` under `seed`. */
export function subSeed(seed: number, label: string): number {
  return hashString(`${seed >>> 0}/${label}`);
}
