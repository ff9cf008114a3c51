/**
 * The `composer` generator (offline, the default): for each target, N candidate
 * compositions from the twin's composer conditioned on the probed attributes
 * (genre and instruments sampled, tempo/key/meter/swing/intensity imposed; see
 * condition.ts), rendered with the soundfont, embedded with the run's embedder,
 * and the best kept by cosine to the target embedding (or by the brain).
 */

import { cosine, pearson } from '../evaluate/correlation.js';
import { Matrix } from '../linalg/matrix.js';
import { type Genre, isGenre, type Score } from '../synth/music/index.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { type CandidateRequest, sampleRequest } from './condition.js';
import type { CandidateJob, CandidateResult, ScoreJob } from './job.js';
import type {
  AnchorRecord,
  CandidateRecord,
  GeneratedClip,
  GenerationTarget,
  Generator,
  GeneratorContext,
} from './types.js';

export function checkContext(ctx: GeneratorContext): void {
  if (!Number.isInteger(ctx.candidates) || ctx.candidates < 1)
    throw new UserError(`candidates must be a whole number ≥ 1, got ${ctx.candidates}`, {
      field: 'generate.candidates',
      hint: 'draw at least one candidate per clip (default 4)',
    });
  if (ctx.select === 'brain' && !ctx.brain)
    throw new UserError('selection by brain response needs an encoding model for the subject', {
      field: 'generate.select',
      hint: "run the encoding stage first, or select by 'embedding'",
    });
}

interface Slot {
  target: GenerationTarget;
  candidates: CandidateRecord[];
  bestEmb: { index: number; score: number; audio: Float32Array; embedding: Float32Array } | null;
  bestBrain: { index: number; score: number; audio: Float32Array; embedding: Float32Array } | null;
}

/**
 * Where candidate k of a target comes from: the composer's genre and seed stream,
 * or (anchored, real audio) a ready score to render; `anchor` is kept in the record.
 */
export type Plan = (
  target: GenerationTarget,
  k: number,
  request: CandidateRequest,
  ctx: GeneratorContext,
) =>
  | { genre: Genre; seed: string; anchor?: AnchorRecord; score?: undefined }
  | { score: Score; anchor: AnchorRecord };

/** Best of N over candidates planned by `plan`, conditioned on each target's probed attributes. */
function bestOfN(name: string, description: string, plan: Plan): Generator {
  return {
    name,
    description,
    generate: (targets, ctx) => generateBest(targets, ctx, plan),
  };
}

export async function generateBest(
  targets: readonly GenerationTarget[],
  ctx: GeneratorContext,
  plan: Plan,
): Promise<GeneratedClip[]> {
  checkContext(ctx);
  const N = ctx.candidates;
  const jobs: (CandidateJob | ScoreJob)[] = [];
  const slots: Slot[] = targets.map((target) => ({
    target,
    candidates: [],
    bestEmb: null,
    bestBrain: null,
  }));
  const requests = new Map<number, ReturnType<typeof sampleRequest>>();
  const anchorsOf = new Map<number, AnchorRecord>();
  targets.forEach((t, ti) => {
    for (let k = 0; k < N; k++) {
      const request = sampleRequest(t.attributes, new Rng(`${t.seed}:request:${k}`));
      const index = ti * N + k;
      const p = plan(t, k, request, ctx);
      if (p.anchor) anchorsOf.set(index, p.anchor);
      if (p.score) {
        // A ready score: the request's tempo, key, mode, families and intensity shaped
        // it; its sampled genre (kept for the record) played no part.
        requests.set(index, { ...request, anchor: p.anchor.id });
        jobs.push({
          kind: 'score',
          index,
          score: p.score,
          sampleRate: ctx.sampleRate,
          targetDbfs: ctx.targetDbfs,
          windows: ctx.windows,
        });
        continue;
      }
      requests.set(index, p.anchor ? { ...request, genre: p.genre, anchor: p.anchor.id } : request);
      jobs.push({
        kind: 'candidate',
        index,
        seed: p.seed,
        genre: p.genre,
        condition: request.condition,
        durationS: ctx.durationS,
        sampleRate: ctx.sampleRate,
        targetDbfs: ctx.targetDbfs,
        windows: ctx.windows,
      });
    }
  });
  ctx.progress?.start(`generating: ${jobs.length} candidates (${targets.length} clips × ${N})`, jobs.length);
  let done = 0;
  await ctx.pool.run<CandidateJob | ScoreJob, CandidateResult>(jobs, async (r: CandidateResult) => {
    const ti = Math.floor(r.index / N);
    const k = r.index % N;
    const slot = slots[ti] as Slot;
    const clipVec = ctx.toClip(new Matrix(r.rows, r.cols, r.embedding));
    const score = cosine(clipVec, slot.target.embedding);
    let brainScore: number | undefined;
    if (ctx.brain) {
      const pred = await ctx.brain.predict(new Matrix(1, clipVec.length, clipVec));
      brainScore = pearson(Array.from(pred.data), Array.from(ctx.brain.measured(slot.target.clip)));
    }
    const c = r.composed;
    const anchor = anchorsOf.get(r.index);
    slot.candidates.push({
      index: k,
      score,
      ...(brainScore === undefined ? {} : { brainScore }),
      request: requests.get(r.index) as CandidateRecord['request'],
      ...(anchor ? { anchor } : {}),
      ...describeComposed(c),
    });
    // Ties go to the lower index, so the outcome does not depend on arrival order.
    const better = (b: Slot['bestEmb'], s: number) => !b || s > b.score || (s === b.score && k < b.index);
    if (better(slot.bestEmb, score)) slot.bestEmb = { index: k, score, audio: r.samples, embedding: clipVec };
    if (brainScore !== undefined && better(slot.bestBrain, brainScore))
      slot.bestBrain = { index: k, score: brainScore, audio: r.samples, embedding: clipVec };
    ctx.progress?.update(++done);
  });
  ctx.progress?.finish();
  return slots.map((s): GeneratedClip => {
    const kept = ctx.select === 'brain' ? s.bestBrain : s.bestEmb;
    if (!kept) throw new Error(`no candidate came back for ${s.target.clip}`);
    const other = ctx.select === 'brain' ? s.bestEmb : s.bestBrain;
    return {
      clip: s.target.clip,
      kept: kept.index,
      bestByEmbedding: (s.bestEmb as NonNullable<Slot['bestEmb']>).index,
      ...(s.bestBrain ? { bestByBrain: s.bestBrain.index } : {}),
      audio: kept.audio,
      sampleRate: ctx.sampleRate,
      embedding: kept.embedding,
      candidates: s.candidates.sort((a, b) => a.index - b.index),
      attributes: s.target.attributes,
      ...alternativeOf(ctx.select, other),
    };
  });
}

/** The record's `composed` (absent for a rendered score: no composition to describe). */
function describeComposed(c: CandidateResult['composed']): Pick<CandidateRecord, 'composed'> {
  if (!c) return {};
  return {
    composed: {
      genre: c.genre,
      tempo: c.tempo,
      meter: c.meter,
      swing: c.swing,
      key: c.key,
      mode: c.mode,
      instruments: c.instruments,
      parts: c.parts,
      energy: c.energy,
      valence: c.valence,
      mood: c.mood,
      noteRate: c.noteRate,
    },
  };
}

/**
 * The `alternative` of a generated clip: the best candidate by the score that did not
 * decide `kept` (none when candidates were not scored by the brain).
 */
export function alternativeOf(
  select: GeneratorContext['select'],
  other: { index: number; audio: Float32Array; embedding: Float32Array } | null | undefined,
): Pick<GeneratedClip, 'alternative'> {
  if (!other) return {};
  const { index, audio, embedding } = other;
  return { alternative: { select: select === 'brain' ? 'embedding' : 'brain', index, audio, embedding } };
}

export const composerGenerator = bestOfN(
  'composer',
  "the twin's procedural composer conditioned on probed attributes, rendered with a GM soundfont, best of N by embedding cosine",
  (t, k, request) => ({ genre: request.genre, seed: `${t.seed}:compose:${k}` }),
);

/**
 * `anchored`, composed route: the composer is re-run on a retrieved twin track's
 * own seed stream (so form, progressions and melodies are that track's), with
 * tempo, key, meter, swing and intensity moved to the predicted attributes and the
 * instruments re-drawn (re-orchestration); candidate k varies the k-th retrieved
 * track (cycling). The generator itself (choosing this route or the real-audio
 * one) is in anchor-audio.ts.
 */
export const composedAnchorPlan: Plan = (t, k, _request, ctx) => {
  const anchors = t.anchors ?? [];
  if (anchors.length === 0 || ctx.anchorSeed === undefined)
    throw new UserError(
      `the anchored generator needs retrieved library tracks for ${t.clip} and the twin's music seed or the clips' audio`,
      {
        field: 'generate.generators',
        hint: 'run retrieval on the library first (anchors), or use the composer generator',
      },
    );
  const id = anchors[k % anchors.length] as string;
  const genre = id.split('.')[0] as string;
  if (!isGenre(genre))
    throw new UserError(`retrieved track "${id}" is not a composed twin track (genre.000XX)`, {
      field: 'anchors',
      hint: "the real-audio route needs the library clips' audio (GeneratorContext.anchorAudio)",
    });
  return { genre, seed: `music:${ctx.anchorSeed}:${id}`, anchor: { id, route: 'composed-score' } };
};
