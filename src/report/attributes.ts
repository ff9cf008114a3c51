/**
 * Musical attributes (a clip's, or what a generator was conditioned on) as a reader
 * wants them in the report: a probability table as its three likeliest entries, the
 * 12 tonic probabilities by note name, tempo in BPM, other numbers to three digits.
 * The records keep full precision; only the page rounds.
 */
import { PITCH_NAMES } from '../synth/music/theory.js';

const TOP = 3;

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function likeliest(entries: Array<[string, number]>): string {
  return entries
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([k, p]) => `${k} ${p.toFixed(2)}`)
    .join(' · ');
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** One attribute value as plain text (the caller escapes it for HTML). */
export function formatAttribute(key: string, v: unknown): string {
  if (isNumber(v)) return key === 'tempo' ? `${v.toFixed(0)} BPM` : num(v);
  if (Array.isArray(v)) {
    if (key === 'tonic' && v.length === PITCH_NAMES.length && v.every(isNumber))
      return likeliest(v.map((p, i) => [PITCH_NAMES[i] as string, p]));
    return v.map((x) => (isNumber(x) ? num(x) : String(x))).join(', ');
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length && entries.every(([, p]) => isNumber(p)))
      return likeliest(entries as Array<[string, number]>);
    return JSON.stringify(v);
  }
  return String(v);
}
