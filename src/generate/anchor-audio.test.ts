import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BasicPitchRunner } from '../embed/basic-pitch/basic-pitch.js';
import { MELODY_BPM, melodyScore } from '../embed/basic-pitch/test-fixtures.js';
import { transcribe } from '../embed/basic-pitch/transcribe.js';
import { Matrix } from '../linalg/matrix.js';
import { GENRES, INSTRUMENT_FAMILIES, loadSoundfont, renderScore } from '../synth/music/index.js';
import { meanOverWindows } from '../testing/clip-mean.js';
import { isUserError } from '../util/errors.js';
import { anchoredGenerator, composedRouteApplies } from './anchor-audio.js';
import { dropOvertoneGhosts, estimateAnchor, estimateTempo, moveToKey } from './anchor-score.js';
import { MOODS } from './attributes.js';
import type { EmbedJob, EmbedResult } from './job.js';
import { JobPool } from './pool.js';
import type { PredictedAttributes } from './probes.js';
import type { GenerationTarget, GeneratorContext } from './types.js';

const SR = 22050;

/** Predicted attributes asking for A minor at 124 BPM, piano or keys, no drums or bass. */
function predicted(): PredictedAttributes {
  const flat = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, 1 / names.length]));
  return {
    genre: flat(GENRES) as PredictedAttributes['genre'],
    mood: flat(MOODS) as PredictedAttributes['mood'],
    mode: { major: 0.1, minor: 0.8, dorian: 0.05, mixolydian: 0.05, harmonicMinor: 0, phrygian: 0 },
    tonic: Array.from({ length: 12 }, (_, i) => (i === 9 ? 0.9 : 0.1 / 11)),
    meter: { '3/4': 0, '4/4': 1 },
    tempo: 124,
    swing: 0,
    energy: 0.6,
    valence: 0.4,
    noteRate: 2,
    instruments: {
      ...(Object.fromEntries(INSTRUMENT_FAMILIES.map((f) => [f, 0])) as PredictedAttributes['instruments']),
      piano: 1,
      keys: 1,
    },
  };
}

describe('anchored generator, real-audio route', () => {
  let pool: JobPool;
  let anchor: Float32Array;
  let runner: BasicPitchRunner;
  before(async () => {
    pool = new JobPool({ soundfont: 'fluidr3mono', embedder: 'dsp', embedderOptions: {} }, 1);
    anchor = (await renderScore(melodyScore(), await loadSoundfont('fluidr3mono'), { sampleRate: SR }))
      .samples;
    runner = await BasicPitchRunner.create();
  });
  after(async () => {
    await pool.close();
    await runner.dispose();
  });

  function ctxFor(audio: Float32Array): GeneratorContext {
    return {
      candidates: 2,
      durationS: 15,
      sampleRate: SR,
      targetDbfs: -20,
      windows: { window: 10, stride: 1.5 },
      embedder: { name: 'dsp' },
      toClip: meanOverWindows,
      soundfont: 'fluidr3mono',
      pool,
      select: 'embedding',
      anchorSeed: 7,
      anchorAudio: async (id) => {
        assert.equal(id, 'real.clip01');
        return { samples: audio, sampleRate: SR };
      },
    };
  }
  const target = (): GenerationTarget => ({
    clip: 'stim.001',
    embedding: new Float32Array(1).fill(1),
    attributes: predicted(),
    seed: 'test:anchor-audio',
    anchors: ['real.clip01'],
  });

  it('routes non-twin anchors to transcription; the output is in the requested key and tempo; deterministic', async () => {
    const ctx = ctxFor(anchor);
    const tgt = target();
    // toClip's output length must match the target embedding: set it from the embedder's width.
    assert.equal(composedRouteApplies([tgt], ctx), false);
    const [a] = await anchoredGenerator.generate([{ ...tgt, embedding: await clipOf(ctx, anchor) }], ctx);
    assert.ok(a);
    assert.equal(a.candidates.length, 2);
    for (const c of a.candidates) {
      assert.equal(c.anchor?.route, 'transcribed-audio');
      assert.equal(c.anchor?.id, 'real.clip01');
      assert.equal(c.anchor?.estimate?.key, 'C major');
      assert.ok(Math.abs((c.anchor?.estimate?.tempo ?? 0) - MELODY_BPM) <= 3);
      assert.ok((c.anchor?.estimate?.notes ?? 0) >= 14);
      assert.equal(c.request?.key, 'A minor');
      assert.equal(c.composed, undefined);
    }
    // Independent check: transcribe what was generated and re-estimate.
    const out = estimateAnchor(dropOvertoneGhosts(await transcribe(a.audio, a.sampleRate, { runner })));
    console.log(`# output: ${out.notes} notes, ${out.tempo} BPM, ${out.key} (asked 124 BPM, A minor)`);
    assert.equal(out.key, 'A minor');
    assert.ok(Math.abs(out.tempo - 124) <= 3, `tempo ${out.tempo}`);
    const [b] = await anchoredGenerator.generate([{ ...tgt, embedding: await clipOf(ctx, anchor) }], ctx);
    assert.ok(b);
    assert.deepEqual(Buffer.from(b.audio.buffer), Buffer.from(a.audio.buffer));
    assert.deepEqual(JSON.parse(JSON.stringify(b.candidates)), JSON.parse(JSON.stringify(a.candidates)));
  });

  it('a silent anchor is refused with a clear error', async () => {
    const ctx = ctxFor(new Float32Array(SR * 5));
    await assert.rejects(
      anchoredGenerator.generate([target()], ctx),
      (e: unknown) => isUserError(e) && /no notes were transcribed/.test(e.message),
    );
  });

  it('twin ids with the music seed keep the composed route', () => {
    const ctx = ctxFor(anchor);
    assert.equal(composedRouteApplies([{ ...target(), anchors: ['rock.00003', 'jazz.00010'] }], ctx), true);
    assert.equal(
      composedRouteApplies([{ ...target(), anchors: ['rock.00003'] }], { ...ctx, anchorSeed: undefined }),
      false,
    );
  });
});

/** The clip-level embedding of `audio` under `ctx` (the target to select against). */
async function clipOf(ctx: GeneratorContext, audio: Float32Array): Promise<Float32Array> {
  let v = new Float32Array(0);
  await ctx.pool.run<EmbedJob, EmbedResult>(
    [{ kind: 'embed', index: 0, samples: audio, sampleRate: SR, windows: ctx.windows }],
    (r) => {
      v = ctx.toClip(new Matrix(r.rows, r.cols, r.embedding)) as Float32Array<ArrayBuffer>;
    },
  );
  return v;
}

describe('anchor estimates and key moves (no audio)', () => {
  it('tempo from onsets: a steady pulse, with chords and one missing beat', () => {
    const on = (bpm: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ onset: 0.2 + (i * 60) / bpm }));
    assert.ok(Math.abs(estimateTempo(on(100, 16)) - 100) < 0.5);
    assert.ok(Math.abs(estimateTempo(on(140, 24)) - 140) < 0.5);
    const chords = on(90, 12)
      .flatMap((o) => [o, { onset: o.onset + 0.01 }])
      .filter((_, i) => i !== 10 && i !== 11);
    assert.ok(Math.abs(estimateTempo(chords) - 90) < 1);
    assert.equal(estimateTempo([{ onset: 1 }]), 0);
    // A dense clip (1,500 onsets: 16ths at 120 BPM, accented beats doubled) stays fast.
    const dense = Array.from({ length: 1500 }, (_, i) => ({
      onset: (i >> 1) * 0.125 + (i % 2) * 0.06 * (i % 8 === 0 ? 0 : 1),
    }));
    const t0 = performance.now();
    const bpm = estimateTempo(dense);
    assert.ok(performance.now() - t0 < 1000, `${performance.now() - t0} ms`);
    assert.ok(bpm > 0);
  });

  it('moveToKey: C major → A minor bends 3rd, 6th, 7th and moves by the nearest interval', () => {
    const to = { tonic: 9, mode: 'minor' as const };
    const from = { tonic: 0, mode: 'major' as const };
    assert.deepEqual(
      [60, 62, 64, 65, 67, 69, 71].map((p) => moveToKey(p, from, to)),
      [57, 59, 60, 62, 64, 65, 67],
    );
    assert.equal(moveToKey(60, from, { tonic: 7, mode: 'major' }), 55);
    assert.equal(moveToKey(60, from, { tonic: 5, mode: 'major' }), 65);
  });

  it('key of duration-weighted notes', () => {
    const tr = {
      durationS: 10,
      notes: [60, 64, 67, 72, 65, 62, 59, 60].map((pitch, i) => ({
        pitch,
        onset: i,
        offset: i + 0.9,
        amplitude: 0.5,
      })),
    };
    assert.equal(estimateAnchor(tr).key, 'C major');
  });
});
