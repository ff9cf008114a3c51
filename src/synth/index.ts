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
import { fileURLToPath } from 'node:url';
import { buildDesign, type Design, type RunSchedule } from '../fmri/design.js';
import { parseEventsTsv } from '../io/bids/tsv.js';
import { writeDirAtomic, writeFileAtomic } from '../util/atomic.js';
import { UserError } from '../util/errors.js';
import { unknownNameHint } from '../util/nearest.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import {
  copyVerbatim,
  openRunWriters,
  paths,
  type RunName,
  runEntities,
  subjectLabel,
  TWIN_LAYOUTS,
  type TwinLayout,
  tsv,
  writeAnatomy,
  writeBrainVectors,
  writeJson,
  writeVolume3d,
} from './bids-writer.js';
import { type Anatomy, buildAnatomy } from './brain/anatomy.js';
import { MODELED_REGIONS, regionOfLabel } from './brain/destrieux.js';
import { ACOUSTIC_FEATURE_NAMES, standardizeColumns } from './brain/features.js';
import { type Grid, gridByName, gridSize } from './brain/grid.js';
import { ReliabilityAccumulator, type RepeatBlocks } from './brain/reliability.js';
import {
  type BrainModelOptions,
  buildSubjectModel,
  DEFAULT_BRAIN_MODEL,
  type RunInput,
  simulateSubject,
} from './brain/simulate.js';
import { type ChannelWeights, randomChannelWeights } from './brain/tuning.js';
import { MUSIC_SOURCES, type MusicResult, type TrackRef } from './music-sources.js';
import { cutStimuliAndFeatures } from './stimuli-step.js';

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

/** Ground-truth summary of one subject, per region (returned and written as TSV). */
export interface RoiSummary {
  subject: string;
  region: string;
  hemi: string;
  voxels: number;
  trueEvMedian: number;
  estimatedEvMedian: number;
  estimatedEvP90: number;
}

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

/** The ds003720 metadata shipped with the package. */
export const DS003720_DIR = fileURLToPath(new URL('../../data/ds003720/', import.meta.url));

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

    for (const sub of subjects) {
      const summary = await synthesizeSubject({
        root: tmp,
        sub,
        grid,
        schedules,
        features,
        weights,
        rng,
        brain: o.brain,
        layout: o.layout,
        progress,
      });
      roi.push(...summary);
    }
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
interface RunFeatures {
  schedule: RunSchedule;
  nScans: number;
  data: Float64Array;
}

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

/** Everything one simulated subject is built from. */
interface SubjectJob {
  /** The dataset folder being written (the temporary sibling). */
  root: string;
  /** `sub-001`, … */
  sub: string;
  grid: Grid;
  schedules: readonly RunSchedule[];
  /** Stimulus features of each run of `schedules`, in the same order. */
  features: readonly RunFeatures[];
  weights: ChannelWeights;
  /** The dataset's root stream; the subject forks its own streams from it by name. */
  rng: Rng;
  brain?: Partial<BrainModelOptions>;
  layout?: TwinLayout;
  progress: ProgressSink;
}

/**
 * One subject: anatomy and model, metadata copied from the real subject, runs
 * simulated and streamed to NIfTI (test-retest reliability gathered on the way),
 * then the ground-truth maps, ROI summary and parameters.
 */
async function synthesizeSubject(job: SubjectJob): Promise<RoiSummary[]> {
  const { root, sub, schedules, features, weights, rng, progress } = job;
  const anat = buildAnatomy(job.grid, rng.fork(`${sub}:anatomy`));
  const model = buildSubjectModel(anat, weights, rng.fork(`${sub}:model`), job.brain);
  const runNames: RunName[] = schedules.map((s) => ({ task: s.task, run: s.run ?? 1 }));
  await writeAnatomy(root, sub, anat, runNames);
  await writeSubjectMetadata(root, sub, runNames, model.options.tr);

  // Ground truth over the cortical ribbon, from the test runs.
  const ribbon = ribbonVoxels(anat);
  const reliability = testRetestSetup(schedules, model.options.tr, ribbon.length);

  const runs: RunInput[] = features.map((f) => ({
    name: f.schedule.key,
    features: f.data,
    nScans: f.nScans,
  }));
  const total = runs.reduce((a, r) => a + r.nScans, 0);
  let done = 0;
  progress.start(`${sub} simulate + write`, total);
  await simulateSubject(model, runs, {
    weights,
    rng: rng.fork(`${sub}:runs`),
    openRun: (i) =>
      openRunWriters(root, sub, runNames[i] as RunName, anat, runs[i]!.nScans, model.options.tr, job.layout),
    observer: reliability
      ? {
          voxels: Int32Array.from(ribbon),
          wants: (i) => reliability.blocksOf.has(i),
          run: (i, s, n, T) =>
            reliability.acc.addRun(
              s,
              n,
              T,
              (reliability.blocksOf.get(i) as RepeatBlocks).slice(0, reliability.reps),
            ),
        }
      : undefined,
    onScan: () => progress.update(++done),
  });
  progress.finish();

  await writeBrainVectors(
    paths.truth(root, sub, 'tuning'),
    anat,
    tuningPerBrainVoxel(anat, model.loadings),
    model.loadings.K,
    'tuning loadings (% per channel)',
  );
  const summary = reliability ? await writeReliabilityTruth(root, sub, anat, ribbon, reliability.acc) : [];
  await writeSubjectParams(root, sub, anat, model, ribbon.length);
  return summary;
}

/** Metadata of the real subject (subjects beyond the real five reuse them in turn), and the preprocessed sidecars. */
async function writeSubjectMetadata(root: string, sub: string, runNames: readonly RunName[], tr: number) {
  const realSub = `sub-${String(((Number(sub.slice(4)) - 1) % 5) + 1).padStart(3, '0')}`;
  await copyVerbatim(join(DS003720_DIR, realSub, 'anat', `${realSub}_T1w.json`), paths.t1wSidecar(root, sub));
  for (const r of runNames) {
    const src = join(DS003720_DIR, realSub, 'func', `${realSub}_${runEntities(r)}`);
    await copyVerbatim(`${src}_events.tsv`, paths.events(root, sub, r));
    await copyVerbatim(`${src}_bold.json`, paths.rawSidecar(root, sub, r));
    await writeJson(paths.preprocSidecar(root, sub, r), {
      RepetitionTime: tr,
      SkullStripped: false,
      TaskName: r.task,
      Sources: [`bids:raw:${sub}/func/${sub}_${runEntities(r)}_bold.nii.gz`],
      Description:
        'Simulated preprocessed BOLD (motion spikes attenuated, in the subject T1w space = the raw grid).',
    });
  }
}

/** Brain-voxel positions (into `anat.brain`) of the cortical ribbon (labels above 11000). */
function ribbonVoxels(anat: Anatomy): number[] {
  const ribbon: number[] = [];
  for (let q = 0; q < anat.brain.length; q++)
    if ((anat.labels[anat.brain[q] as number] as number) > 11000) ribbon.push(q);
  return ribbon;
}

/**
 * The repeat blocks of each test run and an accumulator of the ribbon's test-retest
 * reliability, or null when the runs hold fewer than two repetitions.
 */
function testRetestSetup(
  schedules: readonly RunSchedule[],
  tr: number,
  nRibbon: number,
): { blocksOf: Map<number, RepeatBlocks>; reps: number; acc: ReliabilityAccumulator } | null {
  const testRuns = schedules.map((s, i) => (s.split === 'test' ? i : -1)).filter((i) => i >= 0);
  const blocksOf = new Map<number, RepeatBlocks>(
    testRuns.map((i) => [i, repeatBlocks(schedules[i] as RunSchedule, tr)]),
  );
  const reps = Math.min(...[...blocksOf.values()].map((b) => b.length), Number.POSITIVE_INFINITY);
  if (!(testRuns.length && reps >= 2)) return null;
  return { blocksOf, reps, acc: new ReliabilityAccumulator(nRibbon, reps) };
}

/** Signal, noise, explained-variance and noise-ceiling maps, and the ROI summary (returned and written). */
async function writeReliabilityTruth(
  root: string,
  sub: string,
  anat: Anatomy,
  ribbon: readonly number[],
  acc: ReliabilityAccumulator,
): Promise<RoiSummary[]> {
  const res = acc.result();
  const maps = {
    truesignalvar: res.signalVar,
    truenoisevar: res.noiseVar,
    trueev: res.trueEV,
    noiseceiling: res.ceiling,
    estimatedev: res.estimatedEV,
  };
  for (const [desc, values] of Object.entries(maps)) {
    const vol = new Float32Array(gridSize(anat.grid));
    ribbon.forEach((q, i) => {
      vol[anat.brain[q] as number] = values[i] as number;
    });
    await writeVolume3d(paths.truth(root, sub, desc), anat, vol, desc);
  }
  const summary = roiSummary(sub, anat, ribbon, res.trueEV, res.estimatedEV);
  await writeFileAtomic(
    join(paths.truthDir(root, sub), `${sub}_roi-summary.tsv`),
    tsv(
      ['region', 'hemi', 'voxels', 'true_ev_median', 'estimated_ev_median', 'estimated_ev_p90'],
      summary.map((r) => [r.region, r.hemi, r.voxels, r.trueEvMedian, r.estimatedEvMedian, r.estimatedEvP90]),
    ),
  );
  return summary;
}

/** The subject's grid, voxel counts, model parameters and modelled regions, as JSON. */
async function writeSubjectParams(
  root: string,
  sub: string,
  anat: Anatomy,
  model: ReturnType<typeof buildSubjectModel>,
  ribbonVoxels: number,
): Promise<void> {
  await writeJson(join(paths.truthDir(root, sub), `${sub}_params.json`), {
    grid: { name: anat.grid.name, dims: anat.grid.dims, voxelMm: anat.grid.voxelMm },
    brainVoxels: anat.brain.length,
    ribbonVoxels,
    tunedVoxels: model.loadings.voxels.length,
    transform: anat.transform,
    subject: model.params,
    model: model.options,
    defaults: DEFAULT_BRAIN_MODEL,
    regions: MODELED_REGIONS.map((r) => ({
      name: r.name,
      index: r.index,
      role: r.role,
      acoustic: r.acoustic,
      semantic: r.semantic,
    })),
    units: 'signal and noise in percent signal change of the voxel baseline',
  });
}

/** Loadings as brain-voxel-major vectors (zeros for untuned voxels): n_brain × K. */
function tuningPerBrainVoxel(
  anat: Anatomy,
  l: { voxels: Int32Array; L: Float32Array; K: number },
): Float32Array {
  const out = new Float32Array(anat.brain.length * l.K);
  for (let i = 0; i < l.voxels.length; i++)
    out.set(l.L.subarray(i * l.K, (i + 1) * l.K), (l.voxels[i] as number) * l.K);
  return out;
}

/** Scans of each repetition of a test run: blocks[r] = scans of all events with repetition r, in order. */
export function repeatBlocks(s: RunSchedule, tr: number): number[][] {
  const byRep = new Map<number, number[]>();
  const sorted = [...s.events].sort((a, b) => a.onset - b.onset);
  // Repetition numbers count across the split; within a run they are consecutive.
  const minRep = Math.min(...sorted.map((e) => e.repetition));
  for (const e of sorted) {
    const first = Math.round(e.onset / tr);
    const n = Math.round(e.duration / tr);
    const list = byRep.get(e.repetition - minRep) ?? [];
    for (let k = 0; k < n; k++) if (first + k < s.nScansNeeded) list.push(first + k);
    byRep.set(e.repetition - minRep, list);
  }
  const blocks = [...byRep.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
  const len = Math.min(...blocks.map((b) => b.length));
  return blocks.map((b) => b.slice(0, len));
}

function roiSummary(
  sub: string,
  anat: Anatomy,
  ribbon: readonly number[],
  trueEV: Float32Array,
  estEV: Float32Array,
): RoiSummary[] {
  const groups = new Map<string, { region: string; hemi: string; t: number[]; e: number[] }>();
  ribbon.forEach((q, i) => {
    const r = regionOfLabel(anat.labels[anat.brain[q] as number] as number);
    if (!r) return;
    const key = `${r.hemi}:${r.region.name}`;
    const g = groups.get(key) ?? { region: r.region.name, hemi: r.hemi, t: [], e: [] };
    g.t.push(trueEV[i] as number);
    g.e.push(estEV[i] as number);
    groups.set(key, g);
  });
  const q = (a: number[], p: number) => {
    const s = [...a].sort((x, y) => x - y);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))] as number;
  };
  return [...groups.values()]
    .sort((a, b) => (a.region + a.hemi < b.region + b.hemi ? -1 : 1))
    .map((g) => ({
      subject: sub,
      region: g.region,
      hemi: g.hemi,
      voxels: g.t.length,
      trueEvMedian: q(g.t, 0.5),
      estimatedEvMedian: q(g.e, 0.5),
      estimatedEvP90: q(g.e, 0.9),
    }));
}
