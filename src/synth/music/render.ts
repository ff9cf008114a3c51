/**
 * Renders a Score to mono audio through spessasynth_core (a SoundFont 2/3 synthesizer
 * in pure JavaScript, no browser needed), then applies a small room reverb and the
 * loudness rule.
 *
 * Loudness rule (why no output ever clips): after mixing to mono, the track is
 * scaled by g = min(10^(targetDbfs/20) / rms, PEAK_CEILING / peak), so its RMS is the
 * target unless that would push the highest sample above PEAK_CEILING (−1 dBFS);
 * then the peak sets the gain (a quieter, dynamic track, like a real master with
 * headroom). A 16-bit WAV of the result never reaches full scale.
 */
import { type BasicSoundBank, InterpolationTypes, SpessaSynthProcessor } from 'spessasynth_core';
import { DRUM_CHANNEL, type Score } from './score.js';

/** −1 dBFS: the highest sample magnitude any rendered track may have. */
export const PEAK_CEILING = 10 ** (-1 / 20);

export interface RenderOptions {
  /** Output rate in Hz (GTZAN: 22,050). */
  sampleRate?: number;
  /** Target RMS level in dBFS before the peak ceiling (default −18). */
  targetDbfs?: number;
}

export interface RenderResult {
  /** Mono samples, n = round(durationS × sampleRate), |x| ≤ PEAK_CEILING. */
  samples: Float32Array;
  sampleRate: number;
  /** RMS and peak after the loudness rule. */
  rmsDbfs: number;
  peak: number;
  /** True when the peak ceiling, not the RMS target, set the gain. */
  peakLimited: boolean;
}

const BLOCK = 2048;

interface MidiEvent {
  sample: number;
  on: boolean;
  channel: number;
  pitch: number;
  vel: number;
  id: number;
}

/** Renders `score` with `bank`; deterministic for a given score, bank and options. */
export async function renderScore(
  score: Score,
  bank: BasicSoundBank,
  opts: RenderOptions = {},
): Promise<RenderResult> {
  const sr = opts.sampleRate ?? 22050;
  const n = Math.round(score.durationS * sr);
  // Built-in effects are off: they cost more than the synthesis itself, and a simple
  // mono reverb below does the job for a mono GTZAN-like mix.
  const synth = new SpessaSynthProcessor(sr, {
    maxBufferSize: BLOCK,
    effectsEnabled: false,
    eventsEnabled: false,
  });
  synth.soundBankManager.addSoundBank(bank, 'main');
  await synth.processorInitialized;
  // Linear sample interpolation: 1.6× faster than the default Hermite, and at a
  // 22,050 Hz output the difference lies mostly above the band GTZAN features use.
  synth.setSystemParameter('interpolationType', InterpolationTypes.linear);
  for (const p of score.parts) {
    synth.programChange(p.channel, p.program);
    synth.controllerChange(p.channel, 7, p.volume);
    synth.controllerChange(p.channel, 10, p.pan);
    synth.controllerChange(p.channel, 91, 0);
    synth.controllerChange(p.channel, 93, 0);
  }
  if (!score.parts.some((p) => p.channel === DRUM_CHANNEL)) synth.controllerChange(DRUM_CHANNEL, 7, 0);

  const events: MidiEvent[] = [];
  score.notes.forEach((note, id) => {
    const s0 = Math.max(0, Math.round(note.t * sr));
    const s1 = Math.min(n, Math.max(s0 + 1, Math.round((note.t + note.dur) * sr)));
    if (s0 >= n) return;
    events.push({ sample: s0, on: true, channel: note.channel, pitch: note.pitch, vel: note.vel, id });
    events.push({ sample: s1, on: false, channel: note.channel, pitch: note.pitch, vel: 0, id });
  });
  // Offs before ons at the same sample, so a repeated key is re-struck, not cut.
  events.sort((a, b) => a.sample - b.sample || Number(a.on) - Number(b.on) || a.id - b.id);

  const left = new Float32Array(n);
  const right = new Float32Array(n);
  // Which note owns each sounding key: an overlapping re-strike takes the key over,
  // and the older note's off no longer silences it.
  const owner = new Map<number, number>();
  let pos = 0;
  let e = 0;
  while (pos < n) {
    while (e < events.length && (events[e] as MidiEvent).sample <= pos) {
      const ev = events[e++] as MidiEvent;
      const key = ev.channel * 128 + ev.pitch;
      if (ev.on) {
        if (owner.has(key)) synth.noteOff(ev.channel, ev.pitch);
        owner.set(key, ev.id);
        synth.noteOn(ev.channel, ev.pitch, ev.vel);
      } else if (owner.get(key) === ev.id) {
        owner.delete(key);
        synth.noteOff(ev.channel, ev.pitch);
      }
    }
    const next = e < events.length ? (events[e] as MidiEvent).sample : n;
    const len = Math.min(BLOCK, next - pos, n - pos);
    synth.process(left, right, pos, len);
    pos += len;
  }

  const mono = new Float32Array(n);
  for (let i = 0; i < n; i++) mono[i] = 0.5 * ((left[i] as number) + (right[i] as number));
  const wet = score.reverb > 0 ? roomReverb(mono, sr) : null;
  if (wet)
    for (let i = 0; i < n; i++)
      mono[i] = (1 - score.reverb) * (mono[i] as number) + score.reverb * (wet[i] as number);
  return applyLoudnessRule(mono, sr, opts.targetDbfs ?? -18);
}

/** Scales `x` in place by the loudness rule (see the module comment). */
export function applyLoudnessRule(x: Float32Array, sampleRate: number, targetDbfs: number): RenderResult {
  let ss = 0;
  let peak = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    ss += v * v;
    const a = Math.abs(v);
    if (a > peak) peak = a;
  }
  const rms = Math.sqrt(ss / Math.max(1, x.length));
  if (!(rms > 0)) throw new Error('rendered track is silent (the score has no audible notes)');
  const byRms = 10 ** (targetDbfs / 20) / rms;
  // A hair under the ceiling so float32 rounding can never land above it.
  const byPeak = (PEAK_CEILING * (1 - 1e-6)) / peak;
  const g = Math.min(byRms, byPeak);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * g;
  return {
    samples: x,
    sampleRate,
    rmsDbfs: 20 * Math.log10(rms * g),
    peak: peak * g,
    peakLimited: byPeak < byRms,
  };
}

/**
 * A Schroeder room reverb (four parallel feedback combs, two series all-passes;
 * about 1.2 s decay). Returns the wet signal, the same length as `x`.
 */
export function roomReverb(x: Float32Array, sampleRate: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const rt60 = 1.2;
  for (const ms of [29.7, 37.1, 41.1, 43.7]) {
    const d = Math.round((ms / 1000) * sampleRate);
    const g = 10 ** ((-3 * ms) / 1000 / rt60);
    const buf = new Float32Array(d);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const y = buf[k] as number;
      buf[k] = (x[i] as number) + g * y;
      out[i] = (out[i] as number) + 0.25 * y;
      k = k + 1 === d ? 0 : k + 1;
    }
  }
  for (const ms of [5, 1.7]) {
    const d = Math.round((ms / 1000) * sampleRate);
    const g = 0.7;
    const buf = new Float32Array(d);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const delayed = buf[k] as number;
      const v = (out[i] as number) + g * delayed;
      buf[k] = v;
      out[i] = delayed - g * v;
      k = k + 1 === d ? 0 : k + 1;
    }
  }
  return out;
}
