/**
 * From clip features to the scans of a run. Scan k spans [k·TR, (k+1)·TR); it
 * takes the features of the clip playing at its midpoint — every event, including
 * the first event that the design drops as a repeat (it is heard all the same) —
 * and, for per-window features, the window whose centre is nearest that moment in
 * the clip. Scans without sound get zeros (the training mean after standardising).
 *
 * Also the layout of the test runs' repetitions: each test run plays its clips R
 * times in the same order after a priming event, so the scans of repetition r
 * line up with those of every other r and can be averaged.
 */
import { Standardizer } from '../embed/standardize.js';
import type { Clip, Design, DesignEvent, RunSchedule } from '../fmri/design.js';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import type { ClipFeatures } from './spaces.js';

/** Which clip (index into `design.clips`) and row of its feature matrix each scan shows; −1 = silence. */
export interface ScanIndex {
  clip: Int32Array;
  /** Seconds from the clip's start at the scan's midpoint (NaN in silence). */
  time: Float64Array;
}

export function scanIndex(design: Design, run: RunSchedule, nScans: number): ScanIndex {
  const pos = new Map(design.clips.map((c, i) => [c.id, i]));
  const events: DesignEvent[] = [...run.dropped, ...run.events].sort((a, b) => a.onset - b.onset);
  const dropped = new Set<DesignEvent>(run.dropped);
  const clip = new Int32Array(nScans).fill(-1);
  const time = new Float64Array(nScans).fill(Number.NaN);
  let e = 0;
  for (let k = 0; k < nScans; k++) {
    const mid = (k + 0.5) * design.tr;
    while (e < events.length && (events[e] as DesignEvent).onset + (events[e] as DesignEvent).duration <= mid)
      e++;
    const ev = events[e];
    if (!ev || ev.onset > mid) continue;
    const ci = pos.get(ev.clipId);
    // A dropped repeat event names a clip of another run; in a dataset that holds only
    // some runs, that clip has no features here: its scans count as silence.
    if (ci === undefined && dropped.has(ev)) continue;
    if (ci === undefined) {
      throw new UserError(`clip ${ev.clipId} of ${run.key} is not in the design`, {
        file: run.eventsFile,
        line: ev.line,
        hint: 'the design and the runs must come from the same events files',
      });
    }
    clip[k] = ci;
    time[k] = mid - ev.onset;
  }
  return { clip, time };
}

/** Index of the window of `f` (n windows) whose centre is nearest `t` seconds into the clip. */
function nearestWindow(f: ClipFeatures, nWindows: number, t: number): number {
  if (f.kind === 'clip' || nWindows === 1 || !f.windows) return 0;
  const { window, stride } = f.windows;
  const w = Math.round((t - window / 2) / stride);
  return Math.min(nWindows - 1, Math.max(0, w));
}

/**
 * Standardises each clip matrix with statistics of the training clips' rows only
 * (scikit-learn's StandardScaler rule), returning the standardiser and new matrices.
 */
export function standardizeClipFeatures(
  f: ClipFeatures,
  clips: readonly Clip[],
): { standardizer: Standardizer; perClip: Matrix<Float32Array>[] } {
  const trainIdx = clips.flatMap((c, i) => (c.split === 'train' ? [i] : []));
  const rows = trainIdx.reduce((a, i) => a + (f.perClip[i] as Matrix).rows, 0);
  const S = Matrix.zeros(rows, f.dim, 'float32');
  let off = 0;
  for (const i of trainIdx) {
    const m = f.perClip[i] as Matrix<Float32Array>;
    S.data.set(m.data, off);
    off += m.data.length;
  }
  const standardizer = Standardizer.fit(S);
  return { standardizer, perClip: f.perClip.map((m) => standardizer.transform(m) as Matrix<Float32Array>) };
}

/**
 * n_scans × Σ dims: the (standardised) features of each part at every scan of the
 * run, parts side by side in order. `parts[i].perClip` must already be standardised.
 */
export function scanFeatures(
  idx: ScanIndex,
  parts: readonly { features: ClipFeatures; perClip: readonly Matrix<Float32Array>[] }[],
): Matrix<Float32Array> {
  const n = idx.clip.length;
  const dim = parts.reduce((a, p) => a + p.features.dim, 0);
  const out = Matrix.zeros(n, dim, 'float32');
  for (let k = 0; k < n; k++) {
    const ci = idx.clip[k] as number;
    if (ci < 0) continue;
    let col = 0;
    for (const p of parts) {
      const m = p.perClip[ci] as Matrix<Float32Array>;
      const w = nearestWindow(p.features, m.rows, idx.time[k] as number);
      out.data.set(m.row(w), k * dim + col);
      col += p.features.dim;
    }
  }
  return out;
}

/** Where the R repetitions of a test run sit: R blocks of `length` scans starting at `starts`. */
export interface RepetitionLayout {
  starts: number[];
  length: number;
  /** Clips in the order every repetition plays them. */
  clips: string[];
}

/**
 * The repetition blocks of a test run: events grouped by repetition number, each
 * group playing the same clips in the same order, equally spaced. Throws a
 * UserError naming the events file when the run is not laid out that way.
 */
export function repetitionLayout(_design: Design, run: RunSchedule, nScans: number): RepetitionLayout {
  const groups = new Map<number, DesignEvent[]>();
  for (const e of run.events) {
    const g = groups.get(e.repetition) ?? [];
    g.push(e);
    groups.set(e.repetition, g);
  }
  const reps = [...groups.keys()].sort((a, b) => a - b).map((r) => groups.get(r) as DesignEvent[]);
  const bad = (why: string) =>
    new UserError(`test run ${run.key}: ${why}`, {
      file: run.eventsFile,
      hint: 'encoding scores average the repetitions scan by scan: each test run must play its clips in the same order every repetition',
    });
  if (reps.length < 2) throw bad(`only ${reps.length} repetition(s)`);
  const order = (reps[0] as DesignEvent[]).map((e) => e.clipId);
  const starts = reps.map((g) => Math.round((g[0] as DesignEvent).onsetScan));
  for (const g of reps) {
    if (g.map((e) => e.clipId).join(',') !== order.join(','))
      throw bad('repetitions play different clip orders');
  }
  const length = (starts[1] as number) - (starts[0] as number);
  for (let r = 1; r < starts.length; r++) {
    if ((starts[r] as number) - (starts[r - 1] as number) !== length)
      throw bad('repetitions are unevenly spaced');
  }
  if ((starts[starts.length - 1] as number) + length > nScans || length <= 0) {
    throw bad(
      `the repetitions need ${(starts[starts.length - 1] as number) + length} scans, the run has ${nScans}`,
    );
  }
  return { starts, length, clips: order };
}

/** Rows `[start, start + length)` of M for each start, averaged (→ length × cols, float32). */
export function averageBlocks(M: Matrix, starts: readonly number[], length: number): Matrix<Float32Array> {
  const c = M.cols;
  const acc = new Float64Array(length * c);
  for (const s of starts) {
    for (let i = 0; i < length; i++) {
      const src = (s + i) * c;
      const dst = i * c;
      for (let j = 0; j < c; j++) acc[dst + j] = (acc[dst + j] as number) + (M.data[src + j] as number);
    }
  }
  const out = Matrix.zeros(length, c, 'float32');
  for (let k = 0; k < acc.length; k++) out.data[k] = (acc[k] as number) / starts.length;
  return out;
}
