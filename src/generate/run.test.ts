/**
 * The generation stage end to end on tiny inputs: files where the run layout
 * says, metrics with chance for brain/oracle/random, deterministic by seed
 * (whatever the number of worker threads), and bad input refused before
 * anything is written.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeWav } from '../audio/wav.js';
import { DSP_DIM, DSP_FINGERPRINT } from '../embed/dsp/dsp.js';
import { Standardizer } from '../embed/standardize.js';
import { MetricSetSchema } from '../evaluate/metrics-schema.js';
import { Matrix } from '../linalg/matrix.js';
import { GENRES } from '../synth/music/index.js';
import { isUserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { MusicAttributes } from './attributes.js';
import { GENERATORS, generatorByName } from './registry.js';
import {
  closeGeneration,
  type GenerationFile,
  generateForSubject,
  type PrepareGenerationInput,
  prepareGeneration,
  reconstructionBlock,
} from './run.js';

const SR = 22050;
const SECONDS = 3;

function tone(f: number, bpm: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(SECONDS * SR);
  const beat = Math.round((60 / bpm) * SR);
  for (let i = 0; i < x.length; i++)
    x[i] =
      0.2 * Math.sin((2 * Math.PI * f * i) / SR) * Math.exp(-(i % beat) / (0.1 * SR)) + 0.01 * rng.normal();
  return x;
}

function attrs(id: string, k: number, role: string): MusicAttributes {
  return {
    id,
    genre: id.split('.')[0] as MusicAttributes['genre'],
    tempo: 80 + 5 * (k % 9),
    meter: '4/4',
    swing: 0,
    tonic: k % 12,
    mode: k % 2 ? 'minor' : 'major',
    instruments: k % 3 ? ['drums', 'bass', 'piano'] : ['strings'],
    energy: (k % 5) / 5,
    valence: (k % 4) / 4,
    mood: k % 2 ? 'calm' : 'happy',
    noteRate: 3 + (k % 4),
    role,
  };
}

let dir: string;
let input: PrepareGenerationInput;
let shared1: Awaited<ReturnType<typeof prepareGeneration>>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-generate-'));
  const library = [];
  for (let k = 0; k < 20; k++) {
    const id = `${GENRES[k % 10]}.${String(100 + k).padStart(5, '0')}`;
    const path = join(dir, 'lib', `${id}.wav`);
    await writeWav(path, tone(110 * 2 ** ((k % 10) / 12), 70 + 6 * (k % 10), k), SR);
    library.push({ path, attributes: attrs(id, k, 'library') });
  }
  const clips = [];
  for (let k = 0; k < 2; k++) {
    const id = `${GENRES[k]}.0000${k}`;
    const path = join(dir, 'stim', `${id}.wav`);
    await writeWav(path, tone(220 + 40 * k, 90 + 10 * k, 50 + k), SR);
    clips.push({ id, genre: GENRES[k] as string, path });
  }
  const rng = new Rng(3);
  const rand = (rows: number) => {
    const m = Matrix.zeros(rows, DSP_DIM, 'float32');
    rng.fillNormal(m.data);
    return m;
  };
  const trainAttrs = [
    ...library.map((l) => l.attributes),
    ...Array.from({ length: 10 }, (_, k) => attrs(`${GENRES[k % 10]}.000${10 + k}`, k + 3, 'stimulus')),
  ];
  input = {
    clips,
    truth: rand(2),
    training: { embeddings: rand(trainAttrs.length), attributes: trainAttrs },
    library,
    embedder: { name: 'dsp', fingerprint: DSP_FINGERPRINT },
    standardizer: Standardizer.fit(rand(40)),
    windows: { window: 2, stride: 1 },
    seed: 7,
    probeOptions: { folds: 3, lambdas: [10, 100], alphas: [10, 1000] },
    durationS: SECONDS,
    workers: 1,
  };
});
after(async () => {
  await closeGeneration(shared1);
  await rm(dir, { recursive: true, force: true });
});

async function listAll(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  await walk(root, '');
  return out.sort();
}

describe('generateForSubject', () => {
  it('refuses an unknown generator and N = 0 before writing anything', async () => {
    shared1 = await prepareGeneration(input);
    const shared = shared1;
    const out = join(dir, 'bad');
    const predicted = input.truth;
    await assert.rejects(
      generateForSubject({
        subject: 'sub-001',
        predicted,
        shared,
        outDir: out,
        options: { generators: ['composr'] },
      }),
      (e: unknown) =>
        isUserError(e) && /unknown generator "composr"/.test(e.message) && /composer/.test(e.hint ?? ''),
    );
    await assert.rejects(
      generateForSubject({ subject: 'sub-001', predicted, shared, outDir: out, options: { candidates: 0 } }),
      (e: unknown) => isUserError(e) && /candidates/.test(e.message),
    );
    await assert.rejects(
      generateForSubject({
        subject: 'sub-001',
        predicted,
        shared,
        outDir: out,
        options: { generators: ['anchored'] },
      }),
      (e: unknown) => isUserError(e) && /anchored generator needs retrieved tracks/.test(e.message),
    );
    // No music seed: anchors are real audio, and one without a library file is refused before any work.
    const nowhere = Object.fromEntries(shared.input.clips.map((c) => [c.id, ['elsewhere.clip']]));
    await assert.rejects(
      generateForSubject({
        subject: 'sub-001',
        predicted,
        shared,
        outDir: out,
        options: { generators: ['anchored'], anchors: { brain: nowhere, oracle: nowhere } },
      }),
      (e: unknown) => isUserError(e) && /"elsewhere.clip" has no audio file to transcribe/.test(e.message),
    );
    await assert.rejects(
      generateForSubject({
        subject: 'sub-001',
        predicted,
        shared,
        outDir: out,
        options: { select: 'brain' },
      }),
      (e: unknown) => isUserError(e) && /encoding model/.test(e.message),
    );
    assert.deepEqual(await listAll(out), []);
    assert.throws(() => generatorByName('musicgenn'), /unknown generator/);
    assert.ok('composer' in GENERATORS);
  });

  it('anchored on real audio (no music seed): library clips transcribed, the route kept in the record', async () => {
    const predicted = new Matrix(
      2,
      DSP_DIM,
      Float32Array.from(input.truth.data, (v) => 0.5 * v),
    );
    const ids = input.library.map((l) => l.attributes.id);
    const anchors = Object.fromEntries(
      input.clips.map((c, i) => [c.id, [ids[i] as string, ids[i + 5] as string]]),
    );
    const out = join(dir, 'run-anchored-audio');
    await generateForSubject({
      subject: 'sub-001',
      predicted,
      shared: shared1,
      outDir: out,
      options: { generators: ['anchored'], candidates: 1, anchors: { brain: anchors, oracle: anchors } },
    });
    const record = JSON.parse(
      await readFile(join(out, 'generation', 'sub-001', 'anchored.json'), 'utf8'),
    ) as GenerationFile;
    const c = record.clips[0]?.candidates[0];
    assert.equal(c?.anchor?.route, 'transcribed-audio');
    assert.equal(c?.anchor?.id, ids[0]);
    // Library clip 0 is an A2 (110 Hz) blip every beat at 70 BPM: A, and its pulse.
    const est = c?.anchor?.estimate;
    assert.ok((est?.notes ?? 0) >= 2, `${est?.notes} notes`); // 0.1-s blips: most fall under basic-pitch's 128-ms minimum
    assert.ok(Math.abs((est?.tempo ?? 0) - 70) <= 3, `tempo ${est?.tempo}`);
    assert.equal(est?.tonic, 9);
    assert.ok(Math.abs((c?.anchor?.stretch ?? 0) - (c?.request?.tempo ?? 0) / (est?.tempo ?? 1)) < 1e-3);
  });

  it('writes the run layout, metrics with chance, and is deterministic by seed across worker counts', async () => {
    const predicted = new Matrix(
      2,
      DSP_DIM,
      Float32Array.from(input.truth.data, (v, i) => 0.5 * v + 0.1 * Math.sin(i)),
    );
    const runs: { files: string[]; record: GenerationFile; mp3: Buffer }[] = [];
    for (const workers of [2, 1]) {
      // Fresh shared state for the threaded run, so its baselines are generated again too.
      const shared = workers === 1 ? shared1 : await prepareGeneration({ ...input, workers });
      const out = join(dir, `run-${workers}`);
      const r = await generateForSubject({
        subject: 'sub-001',
        predicted,
        shared,
        outDir: out,
        // A stand-in encoding model: the "response" is the embedding itself, the measured one the truth.
        options: {
          candidates: 2,
          brain: {
            predict: async (F) => F,
            measured: (clip) => input.truth.row(input.clips.findIndex((c) => c.id === clip)),
          },
        },
      });
      if (shared !== shared1) await closeGeneration(shared);
      const files = await listAll(out);
      const record = JSON.parse(
        await readFile(join(out, 'generation', 'sub-001', 'composer.json'), 'utf8'),
      ) as GenerationFile;
      assert.deepEqual(record.metrics, r.metrics.composer);
      runs.push({
        files,
        record,
        mp3: await readFile(join(out, 'audio', 'generated', 'sub-001', 'composer', 'blues.00000.mp3')),
      });
      MetricSetSchema.parse(r.metrics.composer);
    }
    const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
    for (const who of ['sub-001', 'oracle', 'random'])
      for (const c of input.clips)
        for (const ext of ['mp3', 'json'])
          assert.ok(
            a.files.includes(`audio/generated/${who}/composer/${c.id}.${ext}`),
            `${who} ${c.id}.${ext}`,
          );
    assert.ok(a.files.includes('generation/sub-001/composer.json'));
    assert.deepEqual(a.files, b.files);
    assert.deepEqual(a.record, b.record);
    assert.ok(a.mp3.equals(b.mp3));
    const m = a.record.metrics;
    for (const k of [
      'identification',
      'genre_top2',
      'instrument_top2',
      'mood_top1',
      'logmel_r',
      'chroma_r',
      'key_match',
      'tempo_error_bpm',
      'dynamics_diff_db',
    ])
      for (const p of ['', 'oracle.', 'random.']) assert.ok(m[`${p}${k}`] !== undefined, `${p}${k}`);
    const c0 = a.record.clips[0];
    assert.equal(c0?.candidates.length, 2);
    assert.equal(c0?.top3.length, 2);
    assert.ok(c0 && c0.kept.score === Math.max(...c0.candidates.map((c) => c.score)));
    assert.equal(a.record.probes.length > 20, true);
    // Both selections are recorded side by side; the brain score is r(predicted, measured response).
    assert.ok(c0?.candidates.every((c) => typeof c.brainScore === 'number'));
    assert.ok(
      c0 &&
        c0.bestByBrain ===
          c0.candidates.reduce((b, c) => ((c.brainScore as number) > (b.brainScore as number) ? c : b)).index,
    );
    const block = reconstructionBlock({ 'sub-001': m, 'sub-002': m });
    assert.equal(block.summary.identification?.n, 2);
  });
});
