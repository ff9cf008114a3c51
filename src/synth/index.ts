/**
 * The synthetic twin of ds003720: composed music, simulated brains, written as a
 * BIDS dataset in the exact design of the real one (its own events.tsv files).
 *
 *   synthesizeDataset({ out, subjects: 5, grid: 'small', seed: 0 })
 *
 * Steps: design (from the shipped ds003720 metadata) → music (source tracks,
 * library, attributes, captions) → stimuli cut from the tracks + their acoustic
 * features → per subject: anatomy, tuning, simulated runs streamed to NIfTI,
 * ground truth. Everything is built in a temporary sibling folder and renamed into
 * place at the end, so an interrupted run never leaves a dataset that looks finished.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDesign, type Design, type RunSchedule } from '../fmri/design.js';
import { parseEventsTsv } from '../io/bids/tsv.js';
import { writeDirAtomic, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { unknownNameHint } from '../util/nearest.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import { mapInWorkers } from '../util/worker-pool.js';
import { subjectLabel, TWIN_LAYOUTS, type TwinLayout, tsv, writeJson } from './bids-writer.js';
import { ACOUSTIC_FEATURE_NAMES, standardizeColumns } from './brain/features.js';
import { type Grid, gridByName } from './brain/grid.js';
import type { BrainModelOptions } from './brain/simulate.js';
import { type ChannelWeights, randomChannelWeights } from './brain/tuning.js';
import { MUSIC_SOURCES, type MusicResult, type TrackRef } from './music-sources.js';
import { cutStimuliAndFeatures } from './stimuli-step.js';
import { DS003720_DIR, type RoiSummary, type RunFeatures, type SubjectJob } from './subject.js';

export { DS003720_DIR, type RoiSummary, repeatBlocks } from './subject.js';

const SUBJECT_TASK = new URL('./subject-task.ts', import.meta.url);

export interface SynthOptions {
  /** Output dataset root (created; must not exist or be empty unless `force`). */
  out: string;
  /** Number of simulated subjects (default 5, as ds003720). */
  subjects?: number;
  /** Voxel grid name (default `small`; `full` = the real 96×96×68 at 2 mm). */
  grid?: string;
  /** Seed of every random choice (default 0): same seed → identical bytes. */
  seed?: number;
  /** Replace an existing non-empty output folder. */
  force?: boolean;
  /** Extra retrieval-library tracks per genre (default 50: the retrieval library never holds a stimulus). */
  libraryPerGenre?: number;
  /** Threads building subjects side by side (default: one per core; 1 builds them in this thread). */
  threads?: number;
  /** Music source name (default `composed`; `tones` is a fast stand-in for tests). */
  music?: string;
  /** Soundfont for the composed music (the music module's default when omitted). */
  soundfont?: string;
  /** Only these runs (e.g. `task-Test_run-01`); default all 18. For tests and quick looks. */
  runs?: string[];
  /** `both` (default): raw-like and fMRIPrep-preprocessed BOLD; `fmriprep`: the derivatives only. */
  layout?: TwinLayout;
  /** Brain-model overrides (signal and noise levels, …). */
  brain?: Partial<BrainModelOptions>;
  progress?: ProgressSink;
}

export const SYNTH_DEFAULTS = {
  subjects: 5,
  grid: 'small',
  seed: 0,
  force: false,
  libraryPerGenre: 50,
  music: 'composed',
} as const;

export interface SynthResult {
  root: string;
  subjects: string[];
  runs: string[];
  clips: number;
  roi: RoiSummary[];
  /** Peak absolute sample of the written stimuli (≤ 1: no clipping). */
  stimulusPeak: number;
  seconds: number;
}

/** The real design, from the shipped events of sub-001 (all subjects share it). */
export function realDesign(metaDir = DS003720_DIR): Design {
  const func = join(metaDir, 'sub-001', 'func');
  const inputs = readdirSync(func)
    .filter((f) => f.endsWith('_events.tsv'))
    .sort()
    .map((f) => {
      const m = /task-([A-Za-z0-9]+)_run-(\d+)/.exec(f);
      if (!m) throw new UserError(`unexpected events file name ${f}`, { file: join(func, f) });
      const sidecar = JSON.parse(readFileSync(join(func, f.replace('_events.tsv', '_bold.json')), 'utf8'));
      return {
        subject: '001',
        task: m[1] as string,
        run: Number(m[2]),
        table: parseEventsTsv(join(func, f), { required: ['genre', 'track', 'start', 'end'] }),
        tr: Number(sidecar.RepetitionTime),
      };
    });
  return buildDesign(inputs);
}

async function checkOutput(out: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch {
    return;
  }
  if (entries.length > 0 && !force) {
    throw new UserError(`output folder ${out} exists and is not empty`, {
      file: out,
      hint: 'choose a new folder, or pass --force to replace it',
    });
  }
}

/**
 * Builds the synthetic twin at `opts.out`. Steps: check the options
 * (`resolveSynthOptions`), pick the runs (`selectRuns`), then inside the temporary
 * folder: top-level files, music, stimuli and their features, the shared channel
 * weights and feature truth, and each subject (`synthesizeSubject`).
 */
export async function synthesizeDataset(opts: SynthOptions): Promise<SynthResult> {
  const t0 = Date.now();
  const { o, grid, musicFactory } = resolveSynthOptions(opts);
  const progress = opts.progress ?? silentProgress;
  await checkOutput(o.out, o.force);

  const design = realDesign();
  const schedules = selectRuns(design, opts.runs);
  const clips = clipsHeard(design, schedules);
  const tracks: TrackRef[] = clips.map((c) => ({ id: c.id, genre: c.genre, track: c.track }));
  const subjects = Array.from({ length: o.subjects }, (_, i) => subjectLabel(i));
  const rng = new Rng(o.seed);
  const roi: RoiSummary[] = [];
  let stimulusPeak = 0;

  await writeDirAtomic(o.out, async (tmp) => {
    await writeTopLevel(tmp, subjects, o);
    const music: MusicResult = await (await musicFactory())({
      root: tmp,
      tracks,
      libraryPerGenre: o.libraryPerGenre,
      seed: o.seed,
      soundfont: o.soundfont,
      progress,
    });
    const stim = await cutStimuliAndFeatures(tmp, clips, design.tr, progress);
    stimulusPeak = stim.peak;
    const features = buildRunFeatures(schedules, stim.acoustic, music, design.tr);
    const weights = randomChannelWeights(
      ACOUSTIC_FEATURE_NAMES.length,
      music.semanticNames.length,
      10,
      6,
      rng.fork('channels'),
    );
    await writeFeatureTruth(tmp, schedules, features, weights, music.semanticNames);

    // Subjects are independent and CPU-bound (simulation and NIfTI writing): one thread per core.
    progress.start('subjects: simulate + write', subjects.length);
    let done = 0;
    const summaries = await mapInWorkers<SubjectJob, RoiSummary[]>(
      SUBJECT_TASK,
      subjects.map((sub) => ({
        root: tmp,
        sub,
        grid,
        schedules,
        features,
        weights,
        seed: o.seed,
        brain: o.brain,
        layout: o.layout,
      })),
      { workers: opts.threads, minJobsForWorkers: 2, onResult: () => progress.update(++done) },
    );
    progress.finish();
    for (const s of summaries) roi.push(...s);
  });
  return {
    root: o.out,
    subjects,
    runs: schedules.map((s) => s.key),
    clips: clips.length,
    roi,
    stimulusPeak,
    seconds: (Date.now() - t0) / 1000,
  };
}

type ResolvedSynthOptions = SynthOptions & Required<Pick<SynthOptions, keyof typeof SYNTH_DEFAULTS>>;

/** The options with defaults, the grid and the music source; refuses bad counts, seeds and names. */
function resolveSynthOptions(opts: SynthOptions): {
  o: ResolvedSynthOptions;
  grid: Grid;
  musicFactory: NonNullable<(typeof MUSIC_SOURCES)[string]>;
} {
  const o = { ...SYNTH_DEFAULTS, ...opts };
  if (!Number.isInteger(o.subjects) || o.subjects < 1 || o.subjects > 99) {
    throw new UserError(`subjects must be an integer from 1 to 99, got ${o.subjects}`, { field: 'subjects' });
  }
  if (!Number.isInteger(o.seed) || o.seed < 0) {
    throw new UserError(`seed must be a non-negative integer, got ${o.seed}`, { field: 'seed' });
  }
  if (o.threads !== undefined && (!Number.isInteger(o.threads) || o.threads < 1)) {
    throw new UserError(`threads must be a positive integer, got ${o.threads}`, { field: 'threads' });
  }
  if (o.layout !== undefined && !TWIN_LAYOUTS.includes(o.layout)) {
    throw new UserError(`unknown layout '${o.layout}'`, {
      field: 'layout',
      hint: unknownNameHint(o.layout, TWIN_LAYOUTS),
    });
  }
  const grid = gridByName(o.grid);
  const musicFactory = MUSIC_SOURCES[o.music];
  if (!musicFactory) {
    throw new UserError(`unknown music source "${o.music}"`, {
      field: 'music',
      hint: `use one of: ${Object.keys(MUSIC_SOURCES).join(', ')}`,
    });
  }
  return { o, grid, musicFactory };
}

/** The design's runs, or only those named (refusing an unknown name or an empty selection). */
function selectRuns(design: Design, runs: readonly string[] | undefined): RunSchedule[] {
  if (!runs) return design.runs;
  const want = new Set(runs);
  const schedules = design.runs.filter((s) => want.has(s.key));
  const unknown = runs.filter((r) => !design.runs.some((s) => s.key === r));
  if (unknown.length || schedules.length === 0) {
    throw new UserError(`unknown run ${unknown[0] ?? '(none given)'}`, {
      field: 'runs',
      hint: `runs look like ${design.runs[0]?.key}`,
    });
  }
  return schedules;
}

/** The design's clips played in these runs (dropped repeats included), in design order. */
function clipsHeard(design: Design, schedules: readonly RunSchedule[]): Design['clips'] {
  const heard = new Set<string>();
  for (const s of schedules) for (const e of [...s.dropped, ...s.events]) heard.add(e.clipId);
  return design.clips.filter((c) => heard.has(c.id));
}

async function writeTopLevel(
  root: string,
  subjects: string[],
  o: { seed: number; grid: string },
): Promise<void> {
  await writeJson(join(root, 'dataset_description.json'), {
    Name: 'brain2music synthetic twin of the Music Genre fMRI Dataset (ds003720)',
    BIDSVersion: '1.8.0',
    DatasetType: 'raw',
    License: 'CC0',
    Authors: ['brain2music'],
    GeneratedBy: [{ Name: 'brain2music b2m synth', Description: `seed ${o.seed}, grid ${o.grid}` }],
    SourceDatasets: [{ DOI: '10.18112/openneuro.ds003720.v1.0.0' }],
    HowToAcknowledge:
      'Design and events from Nakai, Koide-Majima & Nishimoto (2021), Brain and Behavior 11(1), e01936. All music and brain data are simulated.',
  });
  await writeFileAtomic(
    join(root, 'README'),
    [
      'Synthetic twin of OpenNeuro ds003720 (Music Genre fMRI Dataset), made by brain2music (`b2m synth`).',
      '',
      'The design is the real one: the events.tsv and BOLD sidecars of every run are copied',
      'byte for byte from ds003720 (12 training + 6 test runs, 410 scans, TR 1.5 s).',
      'The music is procedurally composed and rendered with a General MIDI soundfont; the',
      'brains are simulated (auditory cortex tuned to spectro-temporal and semantic features).',
      'derivatives/simulation/ holds the ground truth: features, tuning, signal and noise',
      'variance, noise ceilings, so analyses can be scored against the truth.',
      '',
      `Generated with seed ${o.seed} on the "${o.grid}" grid.`,
      '',
    ].join('\n'),
  );
  await writeFileAtomic(join(root, 'CHANGES'), '1.0.0\n  - Synthetic twin generated by brain2music.\n');
  await writeFileAtomic(
    join(root, 'participants.tsv'),
    tsv(
      ['participant_id', 'note'],
      subjects.map((s) => [s, 'simulated']),
    ),
  );
  await writeJson(join(root, 'derivatives', 'fmriprep', 'dataset_description.json'), {
    Name: 'fMRIPrep-like derivatives of the brain2music synthetic twin (simulated, not fMRIPrep output)',
    BIDSVersion: '1.8.0',
    DatasetType: 'derivative',
    GeneratedBy: [{ Name: 'brain2music b2m synth' }],
  });
  await writeJson(join(root, 'derivatives', 'simulation', 'dataset_description.json'), {
    Name: 'Ground truth of the brain2music synthetic twin',
    BIDSVersion: '1.8.0',
    DatasetType: 'derivative',
    GeneratedBy: [{ Name: 'brain2music b2m synth' }],
  });
}

/** Per-run stimulus features at each scan: n_scans × (n_acoustic + n_semantic), standardised. */
function buildRunFeatures(
  schedules: readonly RunSchedule[],
  acoustic: Map<string, Float64Array>,
  music: MusicResult,
  tr: number,
): RunFeatures[] {
  const dA = ACOUSTIC_FEATURE_NAMES.length;
  const dS = music.semanticNames.length;
  // Standardise acoustic features over all clip bins, semantic over all clips.
  const acousticBlocks = [...acoustic.values()].map((a) => a.slice());
  standardizeColumns(acousticBlocks, dA);
  const acousticZ = new Map([...acoustic.keys()].map((k, i) => [k, acousticBlocks[i] as Float64Array]));
  const semanticBlocks = [...acoustic.keys()].map((id) => {
    const v = music.semantic.get(id);
    if (!v || v.length !== dS) throw new Error(`music source gave no semantic vector for ${id}`);
    return Float64Array.from(v);
  });
  standardizeColumns(semanticBlocks, dS);
  const semanticZ = new Map([...acoustic.keys()].map((k, i) => [k, semanticBlocks[i] as Float64Array]));
  const d = dA + dS;
  return schedules.map((s) => {
    const nScans = s.nScansNeeded;
    const data = new Float64Array(nScans * d);
    for (const e of [...s.dropped, ...s.events]) {
      const a = acousticZ.get(e.clipId) as Float64Array;
      const sem = semanticZ.get(e.clipId) as Float64Array;
      const nBins = a.length / dA;
      const first = Math.round(e.onset / tr);
      const last = Math.min(nScans, Math.round((e.onset + e.duration) / tr));
      for (let k = first; k < last; k++) {
        const bin = Math.min(nBins - 1, k - first);
        data.set(a.subarray(bin * dA, (bin + 1) * dA), k * d);
        data.set(sem, k * d + dA);
      }
    }
    return { schedule: s, nScans, data };
  });
}

async function writeFeatureTruth(
  root: string,
  schedules: readonly RunSchedule[],
  features: readonly RunFeatures[],
  weights: ChannelWeights,
  semanticNames: readonly string[],
): Promise<void> {
  const dir = join(root, 'derivatives', 'simulation', 'features');
  const names = [...ACOUSTIC_FEATURE_NAMES, ...semanticNames.map((n) => `sem_${n}`)];
  for (const [i, s] of schedules.entries()) {
    const f = features[i] as RunFeatures;
    const rows: number[][] = [];
    for (let t = 0; t < f.nScans; t++)
      rows.push(Array.from(f.data.subarray(t * names.length, (t + 1) * names.length)));
    await writeFileAtomic(join(dir, `${s.key}_features.tsv`), tsv(names, rows));
  }
  const K = weights.kAcoustic + weights.kSemantic;
  const wRows = names.map((n, i) => [n, ...Array.from(weights.W.subarray(i * K, (i + 1) * K))]);
  await writeFileAtomic(
    join(dir, 'channel_weights.tsv'),
    tsv(['feature', ...Array.from({ length: K }, (_, k) => `channel${k + 1}`)], wRows),
  );
  await writeJson(join(dir, 'features.json'), {
    Description:
      'Stimulus features at each scan (row t = scan t of the run), z-scored over all stimuli; the simulated voxels are tuned to these through channel_weights.tsv (features × channels) and the per-subject loadings (desc-tuning statmaps).',
    AcousticFeatures: ACOUSTIC_FEATURE_NAMES,
    SemanticFeatures: semanticNames,
    AcousticChannels: weights.kAcoustic,
    SemanticChannels: weights.kSemantic,
  });
}
