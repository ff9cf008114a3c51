/**
 * The `anchored` generator: new music grown from the retrieved library clips.
 *
 * Two routes, chosen per call:
 * - composed (the twin): every retrieved id is a twin track (`genre.000XX`) and the
 *   twin's music seed is known → the composer re-runs on the track's seed stream
 *   (composer.ts `composedAnchorPlan`);
 * - real audio (anything else, given `ctx.anchorAudio`): each retrieved clip is
 *   transcribed once with basic-pitch, its tempo and key estimated, and candidate k
 *   renders the k-th clip's notes varied toward the request (anchor-score.ts).
 *
 * A silent anchor (no notes) is skipped in favour of the target's next anchor
 * with notes; a target none of whose anchors has notes is refused (UserError).
 */
import { BasicPitchRunner } from '../embed/basic-pitch/basic-pitch.js';
import { type Transcription, transcribe } from '../embed/basic-pitch/transcribe.js';
import { isGenre } from '../synth/music/index.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import {
  type AnchorEstimate,
  dropOvertoneGhosts,
  estimateAnchor,
  varyTranscription,
} from './anchor-score.js';
import { composedAnchorPlan, generateBest, type Plan } from './composer.js';
import type { GenerationTarget, Generator, GeneratorContext } from './types.js';

/** A transcribed anchor: its notes and what was estimated from them. */
export interface TranscribedAnchor {
  transcription: Transcription;
  estimate: AnchorEstimate;
}

/** Whether the composed route applies: the twin's seed and only twin track ids. */
export function composedRouteApplies(targets: readonly GenerationTarget[], ctx: GeneratorContext): boolean {
  if (ctx.anchorSeed === undefined) return false;
  return targets.every((t) => (t.anchors ?? []).every((id) => isGenre(id.split('.')[0] as string)));
}

/** Transcribes every distinct anchor of `targets` once (one basic-pitch session). */
export async function transcribeAnchors(
  targets: readonly GenerationTarget[],
  load: NonNullable<GeneratorContext['anchorAudio']>,
): Promise<Map<string, TranscribedAnchor>> {
  const ids = [...new Set(targets.flatMap((t) => t.anchors ?? []))].sort();
  const out = new Map<string, TranscribedAnchor>();
  const runner = await BasicPitchRunner.create();
  try {
    for (const id of ids) {
      const a = await load(id);
      const transcription = dropOvertoneGhosts(await transcribe(a.samples, a.sampleRate, { runner }));
      out.set(id, { transcription, estimate: estimateAnchor(transcription) });
    }
  } finally {
    await runner.dispose();
  }
  return out;
}

/** Candidate k of a target varies its k-th anchor with notes (cycling); its rng is `(target seed, k)`. */
export function audioAnchorPlan(anchors: ReadonlyMap<string, TranscribedAnchor>): Plan {
  return (t, k, request, ctx) => {
    const usable = (t.anchors ?? []).filter((id) => (anchors.get(id)?.transcription.notes.length ?? 0) > 0);
    if (usable.length === 0)
      throw new UserError(`no notes were transcribed from any retrieved clip of ${t.clip}`, {
        field: 'anchors',
        hint: 'the retrieved clips are silent or unpitched; use the composer generator for this run',
      });
    const id = usable[k % usable.length] as string;
    const a = anchors.get(id) as TranscribedAnchor;
    const v = varyTranscription(
      a.transcription,
      a.estimate,
      request,
      new Rng(`${t.seed}:anchor-audio:${k}`),
      ctx.durationS,
    );
    return {
      score: v.score,
      anchor: {
        id,
        route: 'transcribed-audio',
        estimate: a.estimate,
        programs: v.programs,
        stretch: Math.round(v.stretch * 1e4) / 1e4,
      },
    };
  };
}

export const anchoredGenerator: Generator = {
  name: 'anchored',
  description:
    'varies the retrieved library clips toward the predicted attributes: composed twin tracks by their scores, real audio by its basic-pitch transcription',
  async generate(targets, ctx) {
    if (composedRouteApplies(targets, ctx) || !ctx.anchorAudio)
      return generateBest(targets, ctx, composedAnchorPlan);
    for (const t of targets)
      if ((t.anchors ?? []).length === 0)
        throw new UserError(`the anchored generator needs retrieved library clips for ${t.clip}`, {
          field: 'generate.generators',
          hint: 'run retrieval first (anchors), or use the composer generator',
        });
    return generateBest(targets, ctx, audioAnchorPlan(await transcribeAnchors(targets, ctx.anchorAudio)));
  },
};
