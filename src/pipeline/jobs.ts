/**
 * Jobs: a stage run described by plain JSON, so that any process that sees the run
 * folder can carry it out — this one (the local executor) or a worker on another
 * machine (the BullMQ executor). A job names its stage, its options, and its inputs
 * as references: outputs of other stages (by key), the dataset (by root), or plain
 * values that carry their own hash. Its key — the stage key of `stage.ts` — is known
 * before anything runs, because a stage output's hash is the key that made it.
 */
import { type Design, loadDesign } from '../fmri/design.js';
import { hashJson } from '../util/hash.js';
import type { RunFolder } from './run-folder.js';
import { type Artifact, type Stage, type StageContext, stageKey } from './stage.js';
import { STAGES } from './stages/index.js';
import type { DatasetArtifact } from './stages/prepare.js';

/** The output of another stage run. */
export interface StageRef {
  ref: 'stage';
  stage: string;
  hash: string;
}

/** The dataset (discovery + design), rebuilt from its root by whoever runs the job. */
export interface DatasetRef {
  ref: 'dataset';
  root: string;
  space?: string;
  hash: string;
}

export type InputRef = StageRef | DatasetRef;
/** A job input: a reference, a list of references, or a plain value (with its own `hash` when it is large). */
export type JobInput = InputRef | InputRef[] | unknown;

export interface JobSpec {
  /** The stage key (also the job's id within the run). */
  key: string;
  stage: string;
  /** For people: `sub-001 whole-cortex`. */
  label: string;
  options: unknown;
  inputs: Record<string, JobInput>;
  /** Keys of the jobs whose outputs this one reads. */
  deps: string[];
}

function isRef(v: unknown): v is InputRef {
  return !!v && typeof v === 'object' && 'ref' in v && typeof (v as InputRef).hash === 'string';
}

/** A job for `stage` with these inputs and options; its key equals the key the stage store will compute. */
export function makeJob(
  stageName: string,
  label: string,
  inputs: Record<string, JobInput>,
  options: unknown,
): JobSpec {
  const stage = STAGES[stageName];
  if (!stage) throw new Error(`no stage named ${stageName}`);
  const deps: string[] = [];
  for (const v of Object.values(inputs)) {
    for (const x of Array.isArray(v) ? v : [v]) if (isRef(x) && x.ref === 'stage') deps.push(x.hash);
  }
  return {
    key: stageKey(stage as Stage<unknown, unknown, unknown>, inputs, options),
    stage: stageName,
    label,
    options,
    inputs,
    deps,
  };
}

/** A reference to the output of `job`. */
export function outputOf(job: JobSpec): StageRef {
  return { ref: 'stage', stage: job.stage, hash: job.key };
}

/** The dataset as a reference, with the hash the pipeline uses (the design's). */
export function datasetRef(root: string, design: Design, space?: string): DatasetRef {
  return { ref: 'dataset', root, space, hash: hashJson({ design }) };
}

/** Turns references into the objects the stage reads (outputs loaded from the run folder). */
export class InputResolver {
  private readonly datasets = new Map<string, Promise<DatasetArtifact>>();

  constructor(readonly folder: RunFolder) {}

  async resolve(spec: Record<string, JobInput>): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(spec)) {
      out[k] =
        Array.isArray(v) && v.every(isRef)
          ? await Promise.all(v.map((x) => this.one(x)))
          : isRef(v)
            ? await this.one(v)
            : v;
    }
    return out;
  }

  private async one(r: InputRef): Promise<Artifact> {
    if (r.ref === 'dataset') {
      const id = `${r.root}\0${r.space ?? ''}`;
      let p = this.datasets.get(id);
      if (!p) {
        p = loadDesign(r.root, { space: r.space }).then(({ design, dataset }) => ({
          hash: hashJson({ design }),
          root: r.root,
          dataset,
          design,
        }));
        this.datasets.set(id, p);
      }
      const d = await p;
      if (d.hash !== r.hash) {
        throw new Error(`the dataset at ${r.root} changed since the run was planned (design hash differs)`);
      }
      return d;
    }
    const stage = STAGES[r.stage];
    if (!stage) throw new Error(`no stage named ${r.stage}`);
    const o = await this.folder.stages.load(stage as Stage<unknown, unknown, object>, r.hash);
    if (!o) throw new Error(`input ${r.stage}/${r.hash} is not in the run folder yet`);
    return o;
  }
}

/** Runs one job in this process (the local executor's step, and a worker's). Returns whether it was cached. */
export async function runJob(
  folder: RunFolder,
  job: JobSpec,
  ctx: StageContext,
  resolver = new InputResolver(folder),
): Promise<boolean> {
  const stage = STAGES[job.stage] as Stage<unknown, unknown, unknown> | undefined;
  if (!stage) throw new Error(`no stage named ${job.stage}`);
  const inputs = await resolver.resolve(job.inputs);
  const r = await folder.stages.run(stage, inputs, job.options, ctx, job.label);
  if (r.record.key !== job.key) {
    throw new Error(`job ${job.label}: the stage key ${r.record.key} differs from the planned ${job.key}`);
  }
  return r.cached;
}

/** Jobs grouped into levels: every job's dependencies lie in earlier levels. */
export function levels(jobs: readonly JobSpec[]): JobSpec[][] {
  const byKey = new Map(jobs.map((j) => [j.key, j]));
  const level = new Map<string, number>();
  const depth = (j: JobSpec, seen: Set<string>): number => {
    const known = level.get(j.key);
    if (known !== undefined) return known;
    if (seen.has(j.key)) throw new Error(`job graph has a cycle at ${j.label}`);
    seen.add(j.key);
    let d = 0;
    for (const k of j.deps) {
      const dep = byKey.get(k);
      if (dep) d = Math.max(d, depth(dep, seen) + 1);
    }
    level.set(j.key, d);
    return d;
  };
  const out: JobSpec[][] = [];
  for (const j of jobs) {
    const d = depth(j, new Set());
    (out[d] ??= []).push(j);
  }
  // Deduplicate: the same stage run planned twice is one job.
  return out.map((l) => [...new Map(l.map((j) => [j.key, j])).values()]);
}

/**
 * The jobs whose inputs exist, handed out most urgent first. A job is ready once
 * every job it reads has finished; among ready jobs the one heading the longest
 * chain of dependents goes first, so the critical path starts early and the
 * other core fills with short side jobs (running level by level instead left a
 * core idle whenever one slow job held a level back).
 */
export class ReadyQueue {
  private readonly jobs: JobSpec[];
  private readonly waitingOn = new Map<string, number>();
  private readonly dependents = new Map<string, string[]>();
  private readonly chain = new Map<string, number>();
  private readonly ready: JobSpec[] = [];
  private finishedCount = 0;

  constructor(jobs: readonly JobSpec[]) {
    // Deduplicate (the same stage run planned twice is one job) and check for cycles.
    this.jobs = levels(jobs).flat();
    const byKey = new Map(this.jobs.map((j) => [j.key, j]));
    for (const j of this.jobs) {
      const deps = [...new Set(j.deps)].filter((k) => byKey.has(k));
      this.waitingOn.set(j.key, deps.length);
      for (const k of deps) {
        const list = this.dependents.get(k) ?? [];
        list.push(j.key);
        this.dependents.set(k, list);
      }
    }
    // Longest path of remaining work; levels() already proved the graph acyclic.
    const cost = (key: string) => STAGES[byKey.get(key)?.stage ?? '']?.typicalSeconds ?? 1;
    const chainOf = (key: string): number => {
      const known = this.chain.get(key);
      if (known !== undefined) return known;
      let after = 0;
      for (const d of this.dependents.get(key) ?? []) after = Math.max(after, chainOf(d));
      const c = cost(key) + after;
      this.chain.set(key, c);
      return c;
    };
    for (const j of this.jobs) {
      chainOf(j.key);
      if (this.waitingOn.get(j.key) === 0) this.ready.push(j);
    }
    this.sortReady();
  }

  /** Jobs in all (after deduplication). */
  get size(): number {
    return this.jobs.length;
  }

  /** Ready jobs not yet taken. */
  get readyCount(): number {
    return this.ready.length;
  }

  /** True once every job has finished. */
  get done(): boolean {
    return this.finishedCount === this.jobs.length;
  }

  /** The most urgent ready job (removed from the queue), or undefined when none is ready. */
  take(): JobSpec | undefined {
    return this.ready.shift();
  }

  /** Marks a taken job finished; its dependents whose inputs now all exist become ready. */
  finish(job: JobSpec): void {
    this.finishedCount++;
    for (const d of this.dependents.get(job.key) ?? []) {
      const left = (this.waitingOn.get(d) ?? 0) - 1;
      this.waitingOn.set(d, left);
      if (left === 0) {
        const j = this.jobs.find((x) => x.key === d);
        if (j) this.ready.push(j);
      }
    }
    this.sortReady();
  }

  private sortReady(): void {
    // Stable: equal chains keep the planned order, so a run's job order is reproducible.
    this.ready.sort((a, b) => (this.chain.get(b.key) ?? 0) - (this.chain.get(a.key) ?? 0));
  }
}
