/**
 * One simulated subject of the twin: anatomy and tuning, runs simulated and streamed
 * to NIfTI, ground truth. A pure function of plain data (`SubjectJob`), so subjects
 * can be built side by side on worker threads (`subject-task.ts`).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSchedule } from '../fmri/design.js';
import { writeFileAtomic } from '../util/atomic.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';
import { Rng } from '../util/rng.js';
import {
  copyVerbatim,
  openRunWriters,
  paths,
  type RunName,
  runEntities,
  type TwinLayout,
  tsv,
  writeAnatomy,
  writeBrainVectors,
  writeJson,
  writeVolume3d,
} from './bids-writer.js';
import { type Anatomy, buildAnatomy } from './brain/anatomy.js';
import { MODELED_REGIONS, regionOfLabel } from './brain/destrieux.js';
import { type Grid, gridSize } from './brain/grid.js';
import { ReliabilityAccumulator, type RepeatBlocks } from './brain/reliability.js';
import {
  type BrainModelOptions,
  buildSubjectModel,
  DEFAULT_BRAIN_MODEL,
  type RunInput,
  simulateSubject,
} from './brain/simulate.js';
import type { ChannelWeights } from './brain/tuning.js';

/** The ds003720 metadata shipped with the package. */
export const DS003720_DIR = fileURLToPath(new URL('../../data/ds003720/', import.meta.url));

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

/** Stimulus features of one run, scan by scan: nScans × features (row-major). */
export interface RunFeatures {
  schedule: RunSchedule;
  nScans: number;
  data: Float64Array;
}

/** Everything one simulated subject is built from. */
export interface SubjectJob {
  /** The dataset folder being written (the temporary sibling). */
  root: string;
  /** `sub-001`, … */
  sub: string;
  grid: Grid;
  schedules: readonly RunSchedule[];
  /** Stimulus features of each run of `schedules`, in the same order. */
  features: readonly RunFeatures[];
  weights: ChannelWeights;
  /**
   * The dataset's seed: the subject forks its own streams by name from the dataset's
   * root stream (`new Rng(seed)`, never advanced), so a subject's bytes do not depend
   * on which thread builds it or in what order.
   */
  seed: number | string;
  brain?: Partial<BrainModelOptions>;
  layout?: TwinLayout;
}

/**
 * One subject: anatomy and model, metadata copied from the real subject, runs
 * simulated and streamed to NIfTI (test-retest reliability gathered on the way),
 * then the ground-truth maps, ROI summary and parameters.
 */
export async function synthesizeSubject(
  job: SubjectJob,
  progress: ProgressSink = silentProgress,
): Promise<RoiSummary[]> {
  const { root, sub, schedules, features, weights } = job;
  const rng = new Rng(job.seed);
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
