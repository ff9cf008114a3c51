/**
 * Decibel conversions with librosa's definitions (`librosa.power_to_db`,
 * `librosa.amplitude_to_db`): 10·log10(max(amin, S)) − 10·log10(max(amin, ref)),
 * then, when topDb is set, everything below (max − topDb) is raised to it.
 * Silence therefore maps to 10·log10(amin) (−100 dB with amin 1e-10), never −∞.
 */
import { UserError } from '../util/errors.js';

export interface DbOptions {
  /** Reference power: a number (default 1.0) or 'max' (the input's maximum). */
  ref?: number | 'max';
  /** Floor applied before the log (default 1e-10 for power, 1e-5 for amplitude). */
  amin?: number;
  /** Dynamic range kept below the maximum in dB (default 80); null keeps all. */
  topDb?: number | null;
}

function toDb(s: ArrayLike<number>, mult: number, aminDefault: number, opts: DbOptions): Float32Array {
  const amin = opts.amin ?? aminDefault;
  if (!(amin > 0)) throw new UserError(`amin must be > 0, got ${amin}`, { field: 'amin' });
  const topDb = opts.topDb === undefined ? 80 : opts.topDb;
  if (topDb !== null && !(topDb >= 0))
    throw new UserError(`topDb must be ≥ 0, got ${topDb}`, { field: 'topDb' });
  let ref: number;
  if (opts.ref === 'max') {
    ref = 0;
    for (let i = 0; i < s.length; i++) ref = Math.max(ref, Math.abs(s[i] as number));
  } else {
    ref = Math.abs(opts.ref ?? 1);
  }
  // amplitude_to_db squares its input and calls power_to_db with amin², ref².
  const sq = mult === 20;
  const aminP = sq ? amin * amin : amin;
  const refDb = 10 * Math.log10(Math.max(aminP, sq ? ref * ref : ref));
  const out = new Float32Array(s.length);
  let max = -Infinity;
  const tmp = new Float64Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const v = Math.abs(s[i] as number);
    const d = 10 * Math.log10(Math.max(aminP, sq ? v * v : v)) - refDb;
    tmp[i] = d;
    if (d > max) max = d;
  }
  const floor = topDb === null ? -Infinity : max - topDb;
  for (let i = 0; i < s.length; i++) out[i] = Math.max(tmp[i] as number, floor);
  return out;
}

/** Power (e.g. a power spectrogram's values) → dB, element-wise; same length out. */
export function powerToDb(s: ArrayLike<number>, opts: DbOptions = {}): Float32Array {
  return toDb(s, 10, 1e-10, opts);
}

/** Amplitude (magnitude) → dB: 20·log10, librosa's `amplitude_to_db` (amin 1e-5). */
export function amplitudeToDb(s: ArrayLike<number>, opts: DbOptions = {}): Float32Array {
  return toDb(s, 20, 1e-5, opts);
}

/** dB → power: ref · 10^(dB/10) (`librosa.db_to_power`). */
export function dbToPower(db: ArrayLike<number>, ref = 1): Float32Array {
  return Float32Array.from({ length: db.length }, (_, i) => ref * 10 ** ((db[i] as number) / 10));
}
