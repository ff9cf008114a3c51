import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Matrix } from '../linalg/matrix.js';
import { UserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import {
  averageByLabel,
  averageWindows,
  evaluateDecoding,
  summarizeBlock,
  trainCvIdentification,
  validateMetricsFile,
} from './decoding.js';
import { leaveGenreOutIdentification } from './genre.js';
import { identificationAccuracy, meanDimensionCorrelation } from './identification.js';
import { libraryRetrievalMetrics } from './library.js';
import { type MetricSet, MetricsFileSchema } from './metrics-schema.js';
import { GENRES, noisyCopy, randomMatrix, testGenres } from './test-support.js';

const CLIPS = testGenres().map((g, i) => `${g}.${String(i).padStart(5, '0')}`);

/** One simulated subject × decoder: 60 test clips × 4 windows × dim. */
function simulate(seed: number, noise: number, dim = 32) {
  const rng = new Rng(seed);
  const target = randomMatrix(rng, 60, dim);
  const pred = noisyCopy(rng, target, noise);
  return { pred, target };
}

describe('window and clip averaging', () => {
  it('averageWindows averages consecutive window rows per clip', () => {
    const M = Matrix.fromRows([
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 10],
    ]);
    assert.deepEqual(averageWindows(M, 2).toRows(), [
      [2, 3],
      [6, 8],
    ]);
    assert.deepEqual(averageWindows(M, 1).toRows(), M.toRows());
    assert.throws(() => averageWindows(M, 3), /4 rows cannot be split into clips of 3 windows/);
  });

  it('averageByLabel averages interleaved rows of each clip, clips ascending', () => {
    const M = Matrix.fromRows([[1], [10], [3], [20], [5]]);
    const { clips, A } = averageByLabel(M, [7, 2, 7, 2, 7]);
    assert.deepEqual(Array.from(clips), [2, 7]);
    assert.deepEqual(A.toRows(), [[15], [3]]);
    assert.throws(() => averageByLabel(M, [1, 2]), /2 clip labels for 5 rows/);
  });
});

describe('evaluateDecoding', () => {
  it('produces every metric with its chance level, consistent with the direct functions', () => {
    const { pred, target } = simulate(1, 2.5);
    const { metrics, details } = evaluateDecoding({
      pred,
      target,
      genres: testGenres(),
      clips: CLIPS,
      permutations: 1000,
      bootstrap: 1000,
      seed: 42,
    });
    const id = metrics.identification!;
    assert.equal(id.value, identificationAccuracy(pred, target).accuracy);
    assert.equal(id.chance, 0.5);
    assert.equal(id.n, 60);
    assert.equal(id.nPermutations, 1000);
    assert.ok(id.p! > 0 && id.p! <= 1);
    assert.ok(id.ci95![0] <= id.value! && id.value! <= id.ci95![1], `${id.ci95} around ${id.value}`);
    assert.equal(metrics.embeddingR!.value, meanDimensionCorrelation(pred, target));
    assert.equal(metrics.embeddingR!.chance, 0);
    for (const k of ['top1', 'top3', 'top5', 'meanRank']) assert.ok(metrics[`retrieval60.${k}`], k);
    for (const g of GENRES) assert.equal(metrics[`identification.genre.${g}`]!.n, 6);
    for (const [k, m] of Object.entries(metrics)) assert.equal(typeof m.chance, 'number', k);
    assert.equal(details.ranks.length, 60);
    assert.equal(details.ranksByClip![CLIPS[5]!], details.ranks[5]);
    const top1 = details.ranks.filter((r) => r === 1).length / 60;
    assert.equal(metrics['retrieval60.top1']!.value, top1);
    assert.ok(Math.abs(details.null!.mean - 0.5) < 0.01);
    // Deterministic by seed.
    const again = evaluateDecoding({
      pred,
      target,
      genres: testGenres(),
      clips: CLIPS,
      permutations: 1000,
      bootstrap: 1000,
      seed: 42,
    });
    assert.deepEqual(again, { metrics, details });
  });

  it('a strong decoder gets p = 1/1001; an unrelated one does not', () => {
    const strong = simulate(2, 1);
    const m = evaluateDecoding({ ...strong, permutations: 1000, bootstrap: 200, seed: 1 }).metrics;
    assert.equal(m.identification!.p, 1 / 1001);
    assert.ok(m.identification!.value! > 0.9);
    const rng = new Rng(3);
    const target = randomMatrix(rng, 60, 32);
    const unrelated = evaluateDecoding({
      pred: randomMatrix(rng, 60, 32),
      target,
      permutations: 1000,
      bootstrap: 0,
      seed: 1,
    });
    assert.ok(unrelated.metrics.identification!.p! > 0.001);
    assert.equal(unrelated.metrics.identification!.ci95, undefined);
    assert.equal(unrelated.metrics['identification.genre.blues'], undefined);
  });

  it('scores cross-validated training predictions per clip', () => {
    const rng = new Rng(4);
    const nClips = 40;
    const clipTargets = randomMatrix(rng, nClips, 16);
    // 4 window rows per clip, interleaved, each the clip target plus window noise.
    const clipOfRow = Int32Array.from({ length: nClips * 4 }, (_, r) => r % nClips);
    const target = Matrix.build(
      nClips * 4,
      16,
      (r, j) => clipTargets.get(clipOfRow[r]!, j) + 0.1 * rng.normal(),
    );
    const pred = noisyCopy(rng, target, 2);
    const mv = trainCvIdentification(pred, target, clipOfRow, { permutations: 500, bootstrap: 200, seed: 1 });
    const ref = identificationAccuracy(
      averageByLabel(pred, clipOfRow).A,
      averageByLabel(target, clipOfRow).A,
    ).accuracy;
    assert.equal(mv.value, ref);
    assert.equal(mv.n, nClips);
    assert.equal(mv.chance, 0.5);
    const withCv = evaluateDecoding({
      ...simulate(5, 2),
      permutations: 0,
      bootstrap: 0,
      seed: 1,
      trainCv: { pred, target, clipOfRow },
    });
    const cv = withCv.metrics['identification.trainCv']!;
    assert.deepEqual(cv, { value: ref, chance: 0.5, better: 'higher', n: nClips });
  });
});

describe('summary over subjects and the metrics file', () => {
  const subjects = ['sub-001', 'sub-002', 'sub-003'];
  const perSubject = (noise: number): Record<string, MetricSet> =>
    Object.fromEntries(
      subjects.map((s, i) => [
        s,
        evaluateDecoding({
          ...simulate(10 + i, noise),
          genres: testGenres(),
          permutations: 200,
          bootstrap: 200,
          seed: i,
        }).metrics,
      ]),
    );

  it('summarizeBlock gives mean ± sample SD per key with the chance level', () => {
    const per = perSubject(2);
    const block = summarizeBlock(per, { note: 'x' });
    const vals = subjects.map((s) => per[s]!.identification!.value!);
    const mean = vals.reduce((a, b) => a + b, 0) / 3;
    const sd = Math.sqrt(vals.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    const sum = block.summary.identification!;
    assert.ok(Math.abs(sum.mean! - mean) < 1e-15 && Math.abs(sum.sd! - sd) < 1e-15);
    assert.equal(sum.n, 3);
    assert.equal(sum.chance, 0.5);
    assert.equal(block.summary['retrieval60.meanRank']!.better, 'lower');
    assert.equal(block.summary['retrieval60.meanRank']!.chance, 30.5);
    assert.deepEqual(Object.keys(block.summary), Object.keys(per['sub-001']!));
    const bad = {
      a: { x: { value: 1, chance: 0.5, better: 'higher' as const } },
      b: { x: { value: 1, chance: 0.1, better: 'higher' as const } },
    };
    assert.throws(() => summarizeBlock(bad), /metric x: b has chance 0.1/);
  });

  it('a full metrics file built from these functions validates, survives JSON, and is rejected without chance levels', () => {
    const rng = new Rng(9);
    const genres = testGenres();
    const stimulus = randomMatrix(rng, 60, 16);
    const lists = (flip: number) => genres.map((g, i) => [i % flip === 0 ? 'rock' : g, 'jazz', 'pop']);
    const library = libraryRetrievalMetrics({
      stimulusGenres: genres,
      libraryGenres: GENRES.flatMap((g) => Array.from({ length: 50 }, () => g)),
      retrieved: { brain: lists(3), oracle: lists(20), chance: lists(1) },
      embeddings: {
        stimulus,
        brain: noisyCopy(rng, stimulus, 2),
        oracle: noisyCopy(rng, stimulus, 0.5),
        chance: randomMatrix(rng, 60, 16),
      },
      permutations: 200,
      bootstrap: 200,
      seed: 1,
    });
    const decodingPer = perSubject(2);
    const logo = leaveGenreOutIdentification({ ...simulate(20, 3), genres, permutations: 200, seed: 1 });
    for (const s of subjects) Object.assign(decodingPer[s]!, logo);
    const file = {
      schema: 'brain2music/metrics@1',
      subjects,
      embedder: 'dsp',
      decoding: {
        'whole-cortex': summarizeBlock(decodingPer),
        'roi-ensemble': summarizeBlock(perSubject(3)),
      },
      retrieval: {
        'whole-cortex': summarizeBlock(Object.fromEntries(subjects.map((s) => [s, library.metrics])), {
          topK: 3,
        }),
      },
      skipped: { generation: 'not built yet' },
    };
    const parsed = validateMetricsFile(JSON.parse(JSON.stringify(file)));
    assert.deepEqual(parsed, MetricsFileSchema.parse(file));
    assert.equal(parsed.decoding['whole-cortex']!.perSubject['sub-002']!.identification!.chance, 0.5);

    // A metric without its chance level is refused, with the path named.
    const broken = JSON.parse(JSON.stringify(file));
    delete broken.decoding['whole-cortex'].perSubject['sub-001'].embeddingR.chance;
    assert.throws(
      () => validateMetricsFile(broken, 'run/metrics.json'),
      (e: unknown) =>
        e instanceof UserError &&
        e.message.includes('decoding.whole-cortex.perSubject.sub-001.embeddingR.chance') &&
        e.location.file === 'run/metrics.json',
    );
    const noChanceSummary = JSON.parse(JSON.stringify(file));
    delete noChanceSummary.retrieval['whole-cortex'].summary['genreTop1.brain'].chance;
    assert.throws(
      () => validateMetricsFile(noChanceSummary),
      /retrieval\.whole-cortex\.summary\.genreTop1\.brain\.chance/,
    );
    const unknownKey = JSON.parse(JSON.stringify(file));
    unknownKey.decoding['whole-cortex'].perSubject['sub-001'].identification.pValue = 0.01;
    assert.throws(() => validateMetricsFile(unknownKey), /pValue/);
  });
});
