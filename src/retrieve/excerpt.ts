/**
 * Audio excerpts for reports and listening: decode, cut `[start, start + seconds)`,
 * mix to mono, resample to 22,050 Hz and write a small constant-bit-rate MP3
 * atomically (15 s at 64 kbit/s ≈ 120 kB, so a run folder with a few hundred
 * excerpts stays in tens of MB).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { writeMp3 } from '../audio/encode.js';
import { resample } from '../audio/resample.js';
import { type ErrorLocation, UserError } from '../util/errors.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';

export interface ExcerptOptions {
  /** Default 0. */
  startSeconds?: number;
  /** Default 15; a shorter source gives what there is. */
  seconds?: number;
  format?: 'mp3';
  /** Output rate (an MP3 rate; default 22,050 Hz). */
  sampleRate?: number;
  /** Constant bit rate (default 64 kbit/s). */
  kbps?: number;
}

export interface ExcerptResult {
  path: string;
  seconds: number;
  sampleRate: number;
  bytes: number;
}

/** Writes the excerpt of `src` as MP3 at `dst` (atomic). */
export async function writeExcerpt(
  src: string,
  dst: string,
  opts: ExcerptOptions = {},
): Promise<ExcerptResult> {
  const start = opts.startSeconds ?? 0;
  const seconds = opts.seconds ?? 15;
  const rate = opts.sampleRate ?? 22050;
  if ((opts.format ?? 'mp3') !== 'mp3') {
    throw new UserError(`unsupported excerpt format ${String(opts.format)}`, {
      field: 'format',
      hint: 'use mp3',
    });
  }
  if (!(start >= 0) || !(seconds > 0)) {
    throw new UserError(`excerpt [${start}, ${start + seconds}) s is not a forward span from ≥ 0`, {
      field: 'retrieval.excerptSeconds',
      hint: 'use a start ≥ 0 and a positive length',
    });
  }
  const audio = await decodeAudioFile(src);
  const total = (audio.channels[0]?.length ?? 0) / audio.sampleRate;
  if (start >= total) {
    throw new UserError(`excerpt starts at ${start} s but the audio lasts ${total.toFixed(2)} s`, {
      file: src,
      hint: 'choose an earlier start',
    });
  }
  const a = Math.round(start * audio.sampleRate);
  const b = Math.min(audio.channels[0]?.length ?? 0, a + Math.round(seconds * audio.sampleRate));
  const mono = toMono(audio.channels.map((c) => c.subarray(a, b)));
  const x = audio.sampleRate === rate ? mono : resample(mono, audio.sampleRate, rate);
  const res = await writeMp3(dst, x, rate, { kbps: opts.kbps ?? 64 });
  return { path: dst, seconds: x.length / rate, sampleRate: res.sampleRate, bytes: res.bytes };
}

export interface ExcerptJob {
  src: string;
  dst: string;
  options?: ExcerptOptions;
}

/** What an excerpt worker answers (plain data). */
export type ExcerptReply =
  | { ok: true; id: number; result: ExcerptResult }
  | { ok: false; id: number; user: true; message: string; location: ErrorLocation; hint?: string }
  | { ok: false; id: number; user: false; message: string };

const BOOTSTRAP = new URL('./excerpt-worker-bootstrap.mjs', import.meta.url);

/** Below this many jobs a thread's start-up (loading the TypeScript loader) costs more than it saves. */
const MIN_JOBS_FOR_WORKERS = 4;

/**
 * Writes many excerpts, spread over worker threads (default: one per core); the
 * results come back in job order. The first failure stops the rest and is thrown
 * (a `UserError` naming the file stays one). Each file is atomic, so files written
 * before a failure are complete.
 */
export async function writeExcerpts(
  jobs: readonly ExcerptJob[],
  opts: { workers?: number; progress?: ProgressSink } = {},
): Promise<ExcerptResult[]> {
  const progress = opts.progress ?? silentProgress;
  const results: ExcerptResult[] = new Array(jobs.length);
  const n = Math.max(1, Math.min(opts.workers ?? availableParallelism(), jobs.length));
  progress.start('audio excerpts', jobs.length);
  let done = 0;
  if (n === 1 || jobs.length < MIN_JOBS_FOR_WORKERS) {
    for (const [i, j] of jobs.entries()) {
      results[i] = await writeExcerpt(j.src, j.dst, j.options);
      progress.update(++done);
    }
    progress.finish();
    return results;
  }
  let next = 0;
  let failure: Error | null = null;
  const workers: Worker[] = [];
  try {
    await Promise.all(
      Array.from({ length: n }, async () => {
        const w = new Worker(BOOTSTRAP);
        workers.push(w);
        const exited = new Promise<never>((_, reject) => {
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`excerpt worker exited with code ${code}`)));
        });
        exited.catch(() => {});
        while (next < jobs.length && !failure) {
          const id = next++;
          const reply = await Promise.race([
            new Promise<ExcerptReply>((resolve) => {
              w.once('message', resolve);
              w.postMessage({ id, job: jobs[id] });
            }),
            exited,
          ]);
          if (!reply.ok) {
            failure ??= reply.user
              ? new UserError(reply.message, { ...reply.location, hint: reply.hint })
              : new Error(`excerpt worker failed: ${reply.message}`);
            break;
          }
          results[id] = reply.result;
          progress.update(++done);
        }
      }),
    );
  } catch (e) {
    failure ??= e as Error;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failure) throw failure;
  progress.finish();
  return results;
}
