/**
 * The stage contract. A stage is a pure function of typed input artifacts and
 * options to a typed output artifact, with `save`/`load` in a folder. It never reads
 * global state, so its output is identified by a key — the hash of its name, code
 * version, inputs' hashes and options — and can be cached, resumed after a crash,
 * or run as a job on another machine that sees the same run folder.
 *
 * `StageStore.run` is the only place that decides "done or not": a stage's folder
 * is filled under a temporary name and renamed into `stages/<name>/<key>/` with its
 * `stage.json` already inside, so a folder that exists is complete. A process
 * killed mid-stage leaves only a `.tmp-…` folder, which the next run ignores and
 * sweeps.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { trackTemporary } from '../util/atomic.js';
import { hashJson } from '../util/hash.js';
import { type ProgressSink, silentProgress } from '../util/progress.js';

/** Anything a stage reads or writes: it is identified by a content hash. */
export interface Artifact {
  /** Hash of the content (for stage outputs: the key of the stage run that made it). */
  readonly hash: string;
}

/** What a stage may use besides its inputs and options: reporting, never state. */
export interface StageContext {
  progress: ProgressSink;
  log: (line: string) => void;
}

export const silentContext: StageContext = { progress: silentProgress, log: () => {} };

/**
 * One pluggable step of the pipeline. `I` is an object whose artifact-valued fields
 * (and arrays of artifacts) are the inputs; other fields are plain values that also
 * join the key. `O` is the output without its hash (the store adds it).
 */
export interface Stage<I, Opt, O> {
  /** Folder name under `stages/`, e.g. `decode`. */
  readonly name: string;
  /** Bump when the code changes its output, so old cached outputs are not reused. */
  readonly version: number;
  /**
   * Rough seconds one job of this stage takes (the demo on 2 cores), used only to order
   * ready jobs so that the longest remaining path starts first; never affects outputs.
   * Default 1.
   */
  readonly typicalSeconds?: number;
  run(inputs: I, options: Opt, ctx: StageContext): Promise<O>;
  /** Writes `output` into the (empty, existing) folder `dir`. */
  save(dir: string, output: O): Promise<void>;
  /**
   * For stages whose work is files (NIfTI maps, models): computes straight into `dir`
   * (the temporary folder that is renamed into place when complete) instead of
   * `run` + `save`. Paths recorded inside must be relative to `dir`.
   */
  produce?(dir: string, inputs: I, options: Opt, ctx: StageContext): Promise<O>;
  /** Reads what `save` wrote. */
  load(dir: string): Promise<O>;
}

/** The hashes of `inputs`: artifacts by their hash, anything else by its JSON. */
export function inputHashes(inputs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs as Record<string, unknown>)) out[k] = hashOf(v);
  return out;
}

function hashOf(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(hashOf);
  if (v && typeof v === 'object' && typeof (v as Artifact).hash === 'string') return (v as Artifact).hash;
  if (ArrayBuffer.isView(v))
    throw new Error('stage inputs must be artifacts or plain values, not typed arrays');
  return v;
}

/** The key of one stage run: name, version, inputs' hashes and options. */
export function stageKey<I, Opt, O>(stage: Stage<I, Opt, O>, inputs: I, options: Opt): string {
  return hashJson({ stage: stage.name, version: stage.version, inputs: inputHashes(inputs), options }).slice(
    0,
    32,
  );
}

/** What `stage.json` records for every completed stage run. */
export interface StageRecord {
  stage: string;
  version: number;
  key: string;
  /** A short label for people, e.g. `sub-001 whole-cortex`. */
  label: string;
  inputs: Record<string, unknown>;
  options: unknown;
  seconds: number;
  /** Peak resident memory of the process at the end of the stage, bytes. */
  peakRssBytes: number;
  finishedAt: string;
}

export interface StageResult<O> {
  output: O & Artifact;
  record: StageRecord;
  dir: string;
  /** True when the output came from an earlier run. */
  cached: boolean;
}

/** Stage outputs under one root (a run folder's `stages/`). */
export class StageStore {
  /** Records of every stage run (computed or cached) in this process, in order. */
  readonly records: Array<StageRecord & { cached: boolean }> = [];

  constructor(readonly root: string) {}

  dirOf(stageName: string, key: string): string {
    return join(this.root, stageName, key);
  }

  /** True when the stage run `key` is complete in this store. */
  has(stageName: string, key: string): boolean {
    return existsSync(join(this.dirOf(stageName, key), 'stage.json'));
  }

  /** The complete output of stage run `key`, or null when it is not (yet) there. */
  async load<O extends object>(
    stage: Stage<unknown, unknown, O>,
    key: string,
  ): Promise<(O & Artifact) | null> {
    if (!this.has(stage.name, key)) return null;
    return { ...(await stage.load(this.dirOf(stage.name, key))), hash: key };
  }

  /** The stage's output for these inputs and options: loaded when complete, else computed and saved. */
  async run<I, Opt, O>(
    stage: Stage<I, Opt, O>,
    inputs: I,
    options: Opt,
    ctx: StageContext = silentContext,
    label = stage.name,
  ): Promise<StageResult<O>> {
    const key = stageKey(stage, inputs, options);
    const dir = this.dirOf(stage.name, key);
    const recordPath = join(dir, 'stage.json');
    if (existsSync(recordPath)) {
      const record = JSON.parse(await readFile(recordPath, 'utf8')) as StageRecord;
      const output = { ...(await stage.load(dir)), hash: key };
      this.records.push({ ...record, cached: true });
      return { output, record, dir, cached: true };
    }
    await mkdir(join(this.root, stage.name), { recursive: true });
    const tmp = join(this.root, stage.name, `.tmp-${key}-${process.pid}-${randomBytes(3).toString('hex')}`);
    const release = trackTemporary(tmp);
    try {
      await mkdir(tmp);
      return await this.fill(stage, inputs, options, ctx, { key, dir, recordPath, tmp, label });
    } finally {
      release();
    }
  }

  /** Computes a stage run into its temporary folder `tmp` and renames it to `dir`. */
  private async fill<I, Opt, O>(
    stage: Stage<I, Opt, O>,
    inputs: I,
    options: Opt,
    ctx: StageContext,
    at: { key: string; dir: string; recordPath: string; tmp: string; label: string },
  ): Promise<StageResult<O>> {
    const { key, dir, recordPath, tmp, label } = at;
    const t0 = performance.now();
    let value: O;
    try {
      value = stage.produce
        ? await stage.produce(tmp, inputs, options, ctx)
        : await stage.run(inputs, options, ctx);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    const record: StageRecord = {
      stage: stage.name,
      version: stage.version,
      key,
      label,
      inputs: inputHashes(inputs),
      options,
      seconds: (performance.now() - t0) / 1000,
      peakRssBytes: peakRss(),
      finishedAt: new Date().toISOString(),
    };
    try {
      if (!stage.produce) await stage.save(tmp, value);
      await writeFile(join(tmp, 'stage.json'), `${JSON.stringify(record, null, 2)}\n`);
      // A folder at `dir` only ever appears by this rename, complete. If another worker
      // finished the same stage run first (a retried or duplicated job), its output is
      // as good as ours: keep it and drop ours.
      try {
        await rename(tmp, dir);
      } catch (e) {
        if (!existsSync(recordPath)) throw e;
        await rm(tmp, { recursive: true, force: true });
      }
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    this.records.push({ ...record, cached: false });
    // A produced output may hold paths into its folder: read it back from where it now lives.
    if (stage.produce) value = await stage.load(dir);
    return { output: { ...value, hash: key }, record, dir, cached: false };
  }

  /** Removes temporary folders left by killed processes (older than `minAgeMs`). */
  async sweepTemporaries(minAgeMs = 0): Promise<string[]> {
    const removed: string[] = [];
    if (!existsSync(this.root)) return removed;
    for (const stageName of await readdir(this.root)) {
      const sd = join(this.root, stageName);
      if (!(await stat(sd)).isDirectory()) continue;
      for (const entry of await readdir(sd)) {
        if (!entry.startsWith('.tmp-')) continue;
        const p = join(sd, entry);
        const age = Date.now() - (await stat(p)).mtimeMs;
        if (age >= minAgeMs) {
          await rm(p, { recursive: true, force: true });
          removed.push(p);
        }
      }
    }
    return removed;
  }
}

/** Peak resident set size of this process so far, bytes. */
export function peakRss(): number {
  // maxRSS is in kilobytes on Linux.
  return process.resourceUsage().maxRSS * 1024;
}
