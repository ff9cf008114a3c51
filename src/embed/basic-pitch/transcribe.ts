/**
 * Audio → note events with basic-pitch: the model's activations from our own
 * runner (ONNX by default, see basic-pitch.ts), then the package's OWN note
 * extraction (`outputToNotesPoly`, `addPitchBendsToNoteEvents`,
 * `noteFramesToTime`), so thresholds and onset handling are exactly what
 * basic-pitch ships. The extraction module is imported by its file (not the
 * package index) so TF.js is not loaded for it.
 */
import { resample } from '../../audio/resample.js';
import { UserError } from '../../util/errors.js';
import { type BasicPitchOptions, BasicPitchRunner, type PitchActivations } from './basic-pitch.js';
import { SR } from './model.js';

/** One transcribed note. */
export interface TranscribedNote {
  /** MIDI pitch 21–108. */
  pitch: number;
  /** Onset and offset in seconds from the clip's start (offset > onset). */
  onset: number;
  offset: number;
  /** basic-pitch's amplitude (mean note activation over the note, 0–1). */
  amplitude: number;
}

/** Note-extraction settings, basic-pitch's names and defaults (its demo's values). */
export interface TranscribeOptions {
  /** Onset activation threshold (default 0.5). */
  onsetThreshold?: number;
  /** Frame activation threshold (default 0.3). */
  frameThreshold?: number;
  /** Shortest note in frames of 256 samples (default 11 ≈ 128 ms, basic-pitch's 127.7 ms). */
  minNoteFrames?: number;
}

/** A transcription: notes sorted by onset, then pitch. */
export interface Transcription {
  notes: TranscribedNote[];
  /** Length of the transcribed audio, seconds. */
  durationS: number;
}

type ToMidi = typeof import('@spotify/basic-pitch/cjs/toMidi.js');
let toMidi: Promise<ToMidi> | null = null;
function loadToMidi(): Promise<ToMidi> {
  toMidi ??= import('@spotify/basic-pitch/cjs/toMidi.js').then(
    (m) => ((m as { default?: ToMidi }).default ?? m) as ToMidi,
  );
  return toMidi;
}

function rows(m: PitchActivations['notes']): number[][] {
  const out: number[][] = new Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = Array.from(m.row(r));
  return out;
}

/** Activations (from `BasicPitchRunner.activations`) → notes, with basic-pitch's own extraction. */
export async function notesFromActivations(
  act: PitchActivations,
  durationS: number,
  opts: TranscribeOptions = {},
): Promise<Transcription> {
  if (act.notes.rows === 0) return { notes: [], durationS };
  const m = await loadToMidi();
  const frames = rows(act.notes);
  const onsets = rows(act.onsets);
  const events = m.noteFramesToTime(
    m.addPitchBendsToNoteEvents(
      rows(act.contours),
      m.outputToNotesPoly(
        frames,
        onsets,
        opts.onsetThreshold ?? 0.5,
        opts.frameThreshold ?? 0.3,
        opts.minNoteFrames ?? 11,
      ),
    ),
  );
  const notes = events
    .map(
      (e): TranscribedNote => ({
        pitch: e.pitchMidi,
        onset: e.startTimeSeconds,
        offset: e.startTimeSeconds + e.durationSeconds,
        amplitude: e.amplitude,
      }),
    )
    .filter((n) => n.offset > n.onset)
    .sort((a, b) => a.onset - b.onset || a.pitch - b.pitch);
  return { notes, durationS };
}

/**
 * Transcribes mono `audio` at `sampleRate` Hz (resampled to the model's 22,050 Hz
 * with the project's resampler). Silent audio gives an empty note list, not an
 * error: "nothing to play" is a valid answer that callers handle. Throws a
 * UserError for a non-positive or non-integer rate or non-finite samples.
 */
export async function transcribe(
  audio: Float32Array,
  sampleRate: number,
  opts: TranscribeOptions & { runner?: BasicPitchRunner; basicPitch?: BasicPitchOptions } = {},
): Promise<Transcription> {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0)
    throw new UserError(`cannot transcribe audio at sample rate ${sampleRate}`, {
      hint: 'pass the audio with its true sample rate in Hz (a positive whole number)',
    });
  for (let i = 0; i < audio.length; i++)
    if (!Number.isFinite(audio[i] as number))
      throw new UserError('cannot transcribe audio with NaN or infinite samples', {
        hint: 'decode the file again; the audio is corrupt',
      });
  const x = sampleRate === SR ? audio : resample(audio, sampleRate, SR);
  const durationS = x.length / SR;
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i] as number));
  if (peak === 0) return { notes: [], durationS };
  const runner = opts.runner ?? (await BasicPitchRunner.create(opts.basicPitch));
  try {
    return await notesFromActivations(await runner.activations(x), durationS, opts);
  } finally {
    if (!opts.runner) await runner.dispose();
  }
}
