/**
 * Reads a run folder for the report and the studio. Every part is optional: a
 * stage that has not run (or left a file that does not parse) becomes
 * `{ ok: false, reason }`, which its section shows instead of failing. Only a
 * folder that is not a run at all, or a metrics.json that breaks its schema, is
 * an error (`UserError`), because then there is nothing trustworthy to show.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import { type MetricsFile, MetricsFileSchema } from '../evaluate/metrics-schema.js';
import { UserError } from '../util/errors.js';

export const RUN_MARKER_FILE = '.b2m-run.json';

export type Part<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface ClipInfo {
  id: string;
  genre: string;
  split: 'train' | 'test';
  caption?: string;
  attributes?: Record<string, unknown>;
}

const ClipsSchema = z.array(
  z.looseObject({
    id: z.string(),
    genre: z.string(),
    split: z.enum(['train', 'test']),
    caption: z.string().optional(),
    attributes: z.record(z.string(), z.unknown()).optional(),
  }),
);

const TrackSchema = z.looseObject({
  track: z.string(),
  genre: z.string().optional(),
  score: z.number().optional(),
});
export const RetrievalFileSchema = z.looseObject({
  clips: z.array(
    z.looseObject({
      clip: z.string(),
      genre: z.string().optional(),
      brain: z.array(TrackSchema),
      oracle: z.array(TrackSchema).optional(),
    }),
  ),
  library: z.looseObject({ n: z.number().optional(), root: z.string().optional() }).optional(),
});
export type RetrievalFile = z.infer<typeof RetrievalFileSchema>;

export const GenerationFileSchema = z.looseObject({
  clips: z.array(
    z.looseObject({
      clip: z.string(),
      kept: z.looseObject({ audio: z.string(), score: z.number().nullable().optional() }),
      candidates: z.array(z.unknown()).optional(),
      attributes: z.record(z.string(), z.unknown()).optional(),
      prompt: z.string().optional(),
    }),
  ),
});
export type GenerationFile = z.infer<typeof GenerationFileSchema>;

/**
 * `encoding/sub-XXX/encoding.json`: the encoding stage's summary. File names are
 * relative to the subject's encoding folder; `anatomy` and the atlas may be
 * absolute (they live in the dataset).
 */
export const EncodingSummarySchema = z.looseObject({
  subject: z.string(),
  space: z.string().optional(),
  spaces: z.array(z.string()),
  anatomy: z.string().optional(),
  roiAtlas: z.looseObject({ dseg: z.string(), labels: z.string() }).optional(),
  maps: z.record(
    z.string(),
    z.looseObject({
      r: z.string(),
      nr: z.string().optional(),
      logp: z.string().optional(),
      significant: z.string().optional(),
    }),
  ),
  noiseCeiling: z.string().optional(),
  preferred: z.looseObject({ dseg: z.string(), labels: z.string() }).optional(),
  /**
   * Kept test time courses: `voxels` (int32 grid offsets in the r maps' grid), `measured` and
   * `predicted` (n_time × n_voxels float32) from `space`; `predictedBySpace` names every space's.
   */
  timecourses: z
    .looseObject({
      space: z.string(),
      voxels: z.string(),
      measured: z.string(),
      predicted: z.string(),
      predictedBySpace: z.record(z.string(), z.string()).optional(),
    })
    .optional(),
  rois: z
    .array(
      z.looseObject({
        roi: z.string(),
        nVoxels: z.number().optional(),
        meanR: z.record(z.string(), z.number().nullable()).optional(),
        noiseCeiling: z.number().nullable().optional(),
        preferred: z.string().nullable().optional(),
      }),
    )
    .default([]),
  hierarchy: z
    .looseObject({
      metric: z.string(),
      rows: z.array(
        z.looseObject({
          roi: z.string(),
          level: z.string().optional(),
          order: z.number().optional(),
          value: z.number(),
        }),
      ),
    })
    .optional(),
});
export type EncodingSummary = z.infer<typeof EncodingSummarySchema>;

/** The encoding stage's own `encoding.json` (src/encode/outputs.ts), as far as the report reads it. */
interface EncodeStageSummary {
  kind: 'encoding';
  subject: string;
  dataset: string;
  anatomy?: string;
  space?: string;
  /** `name` is the registry name (`dsp-modulation`), as in `meanR` and the preferred-space labels. */
  spaces: Array<{ name: string; label: string; files: Record<string, string> }>;
  noiseCeiling?: { files?: Record<string, string> };
  preferred?: { file: string; labels: string };
  /** Relative to the dataset root (or absolute). */
  roiAtlas?: { dseg: string; labels: string };
  timecourses?: EncodingSummary['timecourses'];
  hierarchy?: Array<{
    roi: string;
    voxels: number;
    meanR: Record<string, number>;
    /** Absent in runs before the encode stage's version 4. */
    meanCeiling?: number;
    preferred?: { space: string; share: number; voxels: number };
  }>;
}

/**
 * Reads the encoding stage's summary into the report's view of it (maps by space,
 * anatomy and atlas as absolute paths, ROI rows, kept time courses); anything else
 * passes through unchanged.
 */
export function fromEncodeStage(v: unknown): unknown {
  const e = v as Partial<EncodeStageSummary>;
  if (e?.kind !== 'encoding' || !Array.isArray(e.spaces) || typeof e.spaces[0] !== 'object') return v;
  const stage = e as EncodeStageSummary;
  const inDataset = (p: string) => (isAbsolute(p) ? p : join(stage.dataset, p));
  return {
    subject: stage.subject,
    space: stage.space,
    spaces: stage.spaces.map((sp) => sp.name),
    anatomy: stage.anatomy ? join(stage.dataset, stage.anatomy) : undefined,
    maps: Object.fromEntries(
      stage.spaces.map((sp) => [
        sp.name,
        { r: sp.files.r, nr: sp.files.nr, logp: sp.files.logp, significant: sp.files.significant },
      ]),
    ),
    noiseCeiling: stage.noiseCeiling?.files?.ceiling,
    preferred: stage.preferred ? { dseg: stage.preferred.file, labels: stage.preferred.labels } : undefined,
    roiAtlas: stage.roiAtlas
      ? { dseg: inDataset(stage.roiAtlas.dseg), labels: inDataset(stage.roiAtlas.labels) }
      : undefined,
    timecourses: stage.timecourses,
    rois: (stage.hierarchy ?? []).map((h) => ({
      roi: h.roi,
      nVoxels: h.voxels,
      meanR: h.meanR,
      noiseCeiling: h.meanCeiling ?? null,
      preferred: h.preferred
        ? `${h.preferred.space} (${Math.round(100 * h.preferred.share)} % of ${h.preferred.voxels})`
        : null,
    })),
  };
}

export interface RunData {
  root: string;
  marker: Record<string, unknown>;
  config: Part<Record<string, unknown>>;
  manifest: Part<Record<string, unknown>>;
  metrics: Part<MetricsFile>;
  clips: Part<ClipInfo[]>;
  /** Test clips in design order. */
  testClips: ClipInfo[];
  subjects: string[];
  /** subject → decoder → {clip: rank}. */
  ranks: Record<string, Record<string, Record<string, number>>>;
  /** subject → decoder → retrieval file. */
  retrieval: Record<string, Record<string, RetrievalFile>>;
  /** subject → generator → generation file. */
  generation: Record<string, Record<string, GenerationFile>>;
  /** subject → encoding summary (paths made absolute). */
  encoding: Record<string, EncodingSummary & { dir: string }>;
  /** Non-fatal problems found while reading (shown in the report). */
  problems: string[];
}

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8'));
}

async function part<T>(path: string, parse: (v: unknown) => T, missing: string): Promise<Part<T>> {
  if (!existsSync(path)) return { ok: false, reason: missing };
  try {
    return { ok: true, value: parse(await readJson(path)) };
  } catch (e) {
    return { ok: false, reason: `${path} could not be read: ${(e as Error).message.split('\n')[0]}` };
  }
}

async function subdirs(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const out: string[] = [];
  for (const e of await readdir(path, { withFileTypes: true })) if (e.isDirectory()) out.push(e.name);
  return out.sort();
}

async function jsonFiles(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  return (await readdir(path)).filter((f) => f.endsWith('.json')).sort();
}

/** Checks that `root` is a run folder; throws a `UserError` naming what is wrong. */
export async function assertRunFolder(root: string): Promise<string> {
  const abs = resolve(root);
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(abs);
  } catch {
    throw new UserError('the run folder does not exist', {
      file: abs,
      hint: 'give the --out folder of a b2m run',
    });
  }
  if (!st.isDirectory()) {
    throw new UserError('the run path is not a folder', {
      file: abs,
      hint: 'give the --out folder of a b2m run',
    });
  }
  const markerPath = join(abs, RUN_MARKER_FILE);
  if (!existsSync(markerPath)) {
    throw new UserError(`not a b2m run folder (no ${RUN_MARKER_FILE})`, {
      file: abs,
      hint: 'point at the --out folder of a b2m run',
    });
  }
  let marker: unknown;
  try {
    marker = await readJson(markerPath);
  } catch (e) {
    throw new UserError(`${RUN_MARKER_FILE} is not valid JSON: ${(e as Error).message}`, {
      file: markerPath,
      hint: 'the run folder is damaged; run b2m run again into a new folder',
    });
  }
  const m = marker as Record<string, unknown>;
  if (m?.tool !== 'brain2music' || m?.kind !== 'run') {
    throw new UserError(`${RUN_MARKER_FILE} was not written by b2m run`, {
      file: markerPath,
      hint: 'point at the --out folder of a b2m run',
    });
  }
  return abs;
}

/** Reads everything the report and studio show. */
export async function readRun(root: string): Promise<RunData> {
  const abs = await assertRunFolder(root);
  const problems: string[] = [];
  const marker = (await readJson(join(abs, RUN_MARKER_FILE))) as Record<string, unknown>;
  const config = await part(
    join(abs, 'config.json'),
    (v) => v as Record<string, unknown>,
    'config.json is missing',
  );
  const manifest = await part(
    join(abs, 'manifest.json'),
    (v) => v as Record<string, unknown>,
    'manifest.json is missing (the run has not finished)',
  );
  const metricsPath = join(abs, 'metrics.json');
  let metrics: Part<MetricsFile> = { ok: false, reason: 'metrics.json is missing (evaluation has not run)' };
  if (existsSync(metricsPath)) {
    let raw: unknown;
    try {
      raw = await readJson(metricsPath);
    } catch (e) {
      throw new UserError(`metrics.json is not valid JSON: ${(e as Error).message}`, {
        file: metricsPath,
        hint: 'the run folder is damaged; run the evaluation again',
      });
    }
    const r = MetricsFileSchema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const field = issue?.path.join('.') || '(top level)';
      throw new UserError(`metrics.json does not match its schema: ${field}: ${issue?.message}`, {
        file: metricsPath,
        field,
        hint: 'the run was written by another version, or the file was edited; run the evaluation again',
      });
    }
    metrics = { ok: true, value: r.data };
  }
  const clips = await part(
    join(abs, 'clips.json'),
    (v) => ClipsSchema.parse(v) as ClipInfo[],
    'clips.json is missing',
  );
  const testClips = clips.ok ? clips.value.filter((c) => c.split === 'test') : [];

  const subjects = new Set<string>(metrics.ok ? metrics.value.subjects : []);
  for (const d of ['predictions', 'retrieval', 'generation', 'encoding']) {
    for (const s of await subdirs(join(abs, d))) if (/^sub-[A-Za-z0-9]+$/.test(s)) subjects.add(s);
  }
  const subjectList = [...subjects].sort();

  const ranks: RunData['ranks'] = {};
  const retrieval: RunData['retrieval'] = {};
  const generation: RunData['generation'] = {};
  const encoding: RunData['encoding'] = {};
  for (const sub of subjectList) {
    for (const dec of await subdirs(join(abs, 'predictions', sub))) {
      const p = join(abs, 'predictions', sub, dec, 'ranks.json');
      const r = await part(p, (v) => z.record(z.string(), z.number()).parse(v), '');
      if (r.ok) (ranks[sub] ??= {})[dec] = r.value;
      else if (r.reason) problems.push(r.reason);
    }
    for (const f of await jsonFiles(join(abs, 'retrieval', sub))) {
      const r = await part(join(abs, 'retrieval', sub, f), (v) => RetrievalFileSchema.parse(v), '');
      if (r.ok) (retrieval[sub] ??= {})[f.slice(0, -5)] = r.value;
      else problems.push(r.reason);
    }
    for (const f of await jsonFiles(join(abs, 'generation', sub))) {
      const r = await part(join(abs, 'generation', sub, f), (v) => GenerationFileSchema.parse(v), '');
      if (r.ok) (generation[sub] ??= {})[f.slice(0, -5)] = r.value;
      else problems.push(r.reason);
    }
    const encDir = join(abs, 'encoding', sub);
    const e = await part(
      join(encDir, 'encoding.json'),
      (v) => EncodingSummarySchema.parse(fromEncodeStage(v)),
      '',
    );
    if (e.ok) encoding[sub] = { ...e.value, dir: encDir };
    else if (e.reason) problems.push(e.reason);
  }
  return {
    root: abs,
    marker,
    config,
    manifest,
    metrics,
    clips,
    testClips,
    subjects: subjectList,
    ranks,
    retrieval,
    generation,
    encoding,
    problems,
  };
}

/** A path named in encoding.json: absolute as is, else relative to the subject's encoding folder. */
export function encodingPath(enc: { dir: string }, p: string): string {
  return isAbsolute(p) ? p : join(enc.dir, p);
}
