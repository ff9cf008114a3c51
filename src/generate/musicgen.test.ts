/**
 * The `musicgen` adapter end to end on a stand-in MusicGen (musicgen-standin.ts):
 * the whole transformers.js path (tokenizer, text encoder, guidance, KV-cached
 * merged decoder, delay pattern, EnCodec decode) runs; the adapter's prompts come
 * from the caption map; audio is 15 s at 22,050 Hz; seeded; the record keeps the
 * prompt and settings; bad folders and settings are refused before anything is
 * written. What it cannot show is musical quality: the stand-in's weights are random.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeWav } from '../audio/wav.js';
import { DSP_DIM, DSP_FINGERPRINT } from '../embed/dsp/dsp.js';
import { Standardizer } from '../embed/standardize.js';
import { Matrix } from '../linalg/matrix.js';
import { GENRES } from '../synth/music/index.js';
import { meanOverWindows } from '../testing/clip-mean.js';
import { isUserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import type { MusicAttributes } from './attributes.js';
import { CaptionPrompter } from './captions.js';
import { checkGenerators } from './check.js';
import { musicgenGenerator } from './musicgen.js';
import { writeStandinMusicgen } from './musicgen-standin.js';
import { JobPool } from './pool.js';
import type { PredictedAttributes } from './probes.js';
import { generatorByName } from './registry.js';
import { closeGeneration, type GenerationFile, generateForSubject, prepareGeneration } from './run.js';
import type { GenerationTarget, GeneratorContext } from './types.js';

const SR = 22050;
const MOODS = ['calm', 'energetic', 'dark'];
const INSTR = ['piano and bass', 'guitar and drums', 'strings and brass'];

let dir: string;
let model: string;
let pool: JobPool;
let prompter: CaptionPrompter;
const rng = new Rng(11);
/** Genre direction in embedding space: training clips of genre g lie near dir_g. */
const genreDir = GENRES.slice(0, 3).map(() => {
  const v = new Float32Array(DSP_DIM);
  rng.fillNormal(v);
  return v;
});
const trainIds: string[] = [];
const trainCaptions: string[] = [];
let trainE: Matrix<Float32Array>;

function near(g: number, noise: number, r: Rng): Float32Array {
  const v = Float32Array.from(genreDir[g] as Float32Array);
  for (let j = 0; j < v.length; j++) v[j] = (v[j] as number) + noise * r.normal();
  return v;
}

const realFetch = globalThis.fetch;
let fetchCalls = 0;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-musicgen-'));
  model = join(dir, 'model');
  await writeStandinMusicgen(model);
  globalThis.fetch = (async () => {
    fetchCalls++;
    throw new Error('network access attempted in a test');
  }) as typeof fetch;
  const r = new Rng(5);
  const rows: Float32Array[] = [];
  for (let k = 0; k < 18; k++) {
    const g = k % 3;
    trainIds.push(`${GENRES[g]}.000${10 + k}`);
    trainCaptions.push(
      `A ${MOODS[(k >> 1) % 3]} ${GENRES[g]} piece with ${INSTR[g]}, around ${80 + 2 * k} BPM. The ${GENRES[g]} groove is ${MOODS[g]}.`,
    );
    rows.push(near(g, 0.6, r));
  }
  trainE = Matrix.zeros(rows.length, DSP_DIM, 'float32');
  rows.forEach((v, i) => {
    trainE.data.set(v, i * DSP_DIM);
  });
  prompter = await CaptionPrompter.fit({ ids: trainIds, embeddings: trainE, captions: trainCaptions }, 3);
  pool = new JobPool({ soundfont: 'fluidr3mono', embedder: 'dsp', embedderOptions: {} }, 1);
});

after(async () => {
  globalThis.fetch = realFetch;
  await pool.close();
  await rm(dir, { recursive: true, force: true });
});

function ctxFor(over: Partial<GeneratorContext> = {}): GeneratorContext {
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
    modelDir: model,
    prompter,
    ...over,
  };
}

function target(g: number, seed: string): GenerationTarget {
  return {
    clip: `${GENRES[g]}.00001`,
    embedding: near(g, 0.3, new Rng(seed)),
    attributes: {} as PredictedAttributes,
    seed,
  };
}

describe('caption prompts', () => {
  it('maps an embedding to the captions of the nearest training clips, of its own kind', async () => {
    assert.ok(prompter.cvR2 > 0.2, `caption map CV R² ${prompter.cvR2}`);
    for (let g = 0; g < 3; g++) {
      const got = await prompter.nearest(near(g, 0.3, new Rng(`t${g}`)), 3);
      assert.equal(got.length, 3);
      for (const n of got) {
        assert.ok(trainIds.includes(n.clip));
        assert.equal(n.clip.split('.')[0], GENRES[g], `${GENRES[g]} target prompted with ${n.clip}`);
        assert.equal(n.caption, trainCaptions[trainIds.indexOf(n.clip)]);
      }
      assert.ok(
        (got[0] as { similarity: number }).similarity >= (got[2] as { similarity: number }).similarity,
      );
      // Candidate k cycles through the three nearest captions.
      const e = near(g, 0.3, new Rng(`t${g}`));
      assert.equal((await prompter.promptFor(e, 0)).clip, got[0]?.clip);
      assert.equal((await prompter.promptFor(e, 4)).clip, got[1]?.clip);
    }
  });
});

describe('musicgen generator (stand-in model)', () => {
  it('generates 15-s 22,050-Hz audio per target, best of N, with prompt and settings; deterministic by seed', async () => {
    const targets = [target(0, 'a'), target(2, 'b')];
    const one = await musicgenGenerator.generate(targets, ctxFor());
    const two = await musicgenGenerator.generate(targets, ctxFor());
    const other = await musicgenGenerator.generate([target(0, 'c')], ctxFor());
    assert.equal(fetchCalls, 0);
    assert.equal(one.length, 2);
    for (const [i, c] of one.entries()) {
      assert.equal(c.clip, targets[i]?.clip);
      assert.equal(c.sampleRate, SR);
      assert.equal(c.audio.length, 15 * SR);
      let ss = 0;
      for (const v of c.audio) ss += v * v;
      const db = 10 * Math.log10(ss / c.audio.length);
      assert.ok(Math.abs(db - -20) < 0.5, `level ${db} dBFS`);
      assert.equal(c.candidates.length, 2);
      assert.equal(c.kept, c.bestByEmbedding);
      const best = c.candidates.reduce((b, k) => (k.score > b.score ? k : b));
      assert.equal(c.kept, best.index);
      for (const [k, cand] of c.candidates.entries()) {
        assert.equal(cand.index, k);
        assert.equal(cand.prompt?.rank, k);
        assert.ok(trainCaptions.includes(cand.prompt?.text ?? ''), 'prompt is a training caption');
        assert.equal(cand.prompt?.source.split('.')[0], GENRES[i === 0 ? 0 : 2]);
        assert.equal(cand.settings?.do_sample, true);
        assert.equal(cand.settings?.guidance_scale, 3);
        // 15 s at the stand-in's 5 frames/s, plus the 4 codebooks' delay.
        assert.equal(cand.settings?.max_new_tokens, 75 + 3);
        assert.equal(typeof cand.settings?.seed, 'number');
        assert.equal(cand.request, undefined);
      }
      assert.notEqual(c.candidates[0]?.settings?.seed, c.candidates[1]?.settings?.seed);
      // Same seed → same bytes and record.
      assert.deepEqual(Buffer.from(c.audio.buffer), Buffer.from((two[i] as typeof c).audio.buffer));
      assert.deepEqual(c.candidates, two[i]?.candidates);
    }
    // Another seed samples other audio; the same seed with another prompt (a target of another
    // genre gets other captions) does too, so the prompt reaches the decoder.
    assert.ok(!Buffer.from(other[0]!.audio.buffer).equals(Buffer.from(one[0]!.audio.buffer)));
    const reprompted = await musicgenGenerator.generate([target(2, 'a')], ctxFor());
    assert.equal(reprompted[0]?.candidates[0]?.settings?.seed, one[0]?.candidates[0]?.settings?.seed);
    assert.notEqual(reprompted[0]?.candidates[0]?.prompt?.text, one[0]?.candidates[0]?.prompt?.text);
    assert.ok(!Buffer.from(reprompted[0]!.audio.buffer).equals(Buffer.from(one[0]!.audio.buffer)));
  });

  it('lists every missing file, names a corrupt ONNX file, and needs a folder', async () => {
    const broken = join(dir, 'broken');
    await cp(model, broken, { recursive: true });
    await unlink(join(broken, 'onnx', 'encodec_decode.onnx'));
    await unlink(join(broken, 'tokenizer.json'));
    await assert.rejects(
      musicgenGenerator.generate([target(0, 'a')], ctxFor({ modelDir: broken })),
      (e: unknown) =>
        isUserError(e) &&
        e.location.field === 'generate.modelDir' &&
        /missing: tokenizer\.json, onnx\/encodec_decode\.onnx/.test(e.message),
    );
    const corrupt = join(dir, 'corrupt');
    await cp(model, corrupt, { recursive: true });
    const dec = join(corrupt, 'onnx', 'decoder_model_merged.onnx');
    await truncate(dec, 1000);
    await writeFile(join(corrupt, 'onnx', 'text_encoder.onnx'), 'not a model');
    await assert.rejects(
      musicgenGenerator.generate([target(0, 'a')], ctxFor({ modelDir: corrupt })),
      (e: unknown) =>
        isUserError(e) &&
        /corrupt: onnx\/text_encoder\.onnx \(.+\); onnx\/decoder_model_merged\.onnx \(truncated/.test(
          e.message,
        ),
    );
    await assert.rejects(
      musicgenGenerator.generate([target(0, 'a')], ctxFor({ modelDir: undefined })),
      (e: unknown) =>
        isUserError(e) && e.location.field === 'generate.modelDir' && /MusicGen folder/.test(e.message),
    );
    await assert.rejects(
      musicgenGenerator.generate([target(0, 'a')], ctxFor({ prompter: undefined })),
      (e: unknown) => isUserError(e) && /captions/.test(e.message),
    );
    await assert.rejects(
      musicgenGenerator.generate([target(0, 'a')], ctxFor({ candidates: 0 })),
      (e: unknown) => isUserError(e) && e.location.field === 'generate.candidates',
    );
    // The run configuration is checked the same way before a run starts.
    await assert.rejects(checkGenerators({ generators: ['musicgen'], candidates: 2 }), /MusicGen folder/);
    await assert.rejects(
      checkGenerators({ generators: ['musicgen'], candidates: 2, modelDir: broken }),
      /missing: tokenizer\.json/,
    );
    await assert.rejects(checkGenerators({ generators: ['composer'], candidates: 0 }), /candidates/);
    await assert.rejects(checkGenerators({ generators: ['musicgn'], candidates: 1 }), (e: unknown) =>
      /musicgen/.test((e as { hint?: string }).hint ?? ''),
    );
    await checkGenerators({ generators: ['musicgen', 'composer'], candidates: 2, modelDir: model });
    assert.equal(generatorByName('musicgen'), musicgenGenerator);
  });
});

describe('musicgen through the generation stage', () => {
  it('writes records with the prompt, and refuses a bad folder before writing anything', async () => {
    const seconds = 3;
    const tone = (f: number, seed: number) => {
      const r = new Rng(seed);
      return Float32Array.from(
        { length: seconds * SR },
        (_, i) => 0.2 * Math.sin((2 * Math.PI * f * i) / SR) + 0.01 * r.normal(),
      );
    };
    const attrs = (id: string, k: number, role: string): MusicAttributes => ({
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
    });
    const library = [];
    for (let k = 0; k < 20; k++) {
      const id = `${GENRES[k % 10]}.${String(100 + k).padStart(5, '0')}`;
      const path = join(dir, 'lib', `${id}.wav`);
      await writeWav(path, tone(110 * 2 ** ((k % 10) / 12), k), SR);
      library.push({ path, attributes: attrs(id, k, 'library') });
    }
    const clips = [];
    for (let k = 0; k < 2; k++) {
      const id = `${GENRES[k]}.00001`;
      const path = join(dir, 'stim', `${id}.wav`);
      await writeWav(path, tone(220 + 40 * k, 50 + k), SR);
      clips.push({ id, genre: GENRES[k] as string, path });
    }
    const stimAttrs = trainIds.map((id, k) => attrs(id, k + 3, 'stimulus'));
    const libE = Matrix.zeros(library.length, DSP_DIM, 'float32');
    new Rng(9).fillNormal(libE.data);
    const E = Matrix.zeros(library.length + trainIds.length, DSP_DIM, 'float32');
    E.data.set(libE.data, 0);
    E.data.set(trainE.data, libE.data.length);
    const truth = Matrix.zeros(2, DSP_DIM, 'float32');
    truth.data.set(near(0, 0.3, new Rng('x')), 0);
    truth.data.set(near(1, 0.3, new Rng('y')), DSP_DIM);
    const std = Matrix.zeros(40, DSP_DIM, 'float32');
    new Rng(4).fillNormal(std.data);
    const shared = await prepareGeneration({
      clips,
      truth,
      training: { embeddings: E, attributes: [...library.map((l) => l.attributes), ...stimAttrs] },
      library,
      embedder: { name: 'dsp', fingerprint: DSP_FINGERPRINT },
      standardizer: Standardizer.fit(std),
      windows: { window: 2, stride: 1 },
      seed: 7,
      probeOptions: { folds: 3, lambdas: [10, 100], alphas: [10, 1000] },
      durationS: seconds,
      workers: 1,
      // Library tracks' captions must not become prompts: only training stimuli's do.
      captions: new Map([
        ...trainIds.map((id, k) => [id, trainCaptions[k] as string] as const),
        ...library.map((l) => [l.attributes.id, 'a library caption never used'] as const),
      ]),
    });
    try {
      const bad = join(dir, 'bad-run');
      await assert.rejects(
        generateForSubject({
          subject: 'sub-001',
          predicted: truth,
          shared,
          outDir: bad,
          options: { generators: ['composer', 'musicgen'] },
        }),
        (e: unknown) => isUserError(e) && e.location.field === 'generate.modelDir',
      );
      await assert.rejects(
        generateForSubject({
          subject: 'sub-001',
          predicted: truth,
          shared,
          outDir: bad,
          options: { generators: ['composer', 'musicgen'], modelDir: join(dir, 'broken') },
        }),
        (e: unknown) => isUserError(e) && /missing/.test(e.message),
      );
      assert.deepEqual(await readdir(bad).catch(() => []), []);

      const out = join(dir, 'run');
      const res = await generateForSubject({
        subject: 'sub-001',
        predicted: truth,
        shared,
        outDir: out,
        options: { generators: ['musicgen'], candidates: 2, modelDir: model },
      });
      const record = JSON.parse(
        await readFile(join(out, 'generation', 'sub-001', 'musicgen.json'), 'utf8'),
      ) as GenerationFile;
      assert.deepEqual(record.metrics, res.metrics.musicgen);
      assert.equal(record.clips.length, 2);
      for (const c of record.clips) {
        assert.equal(c.candidates.length, 2);
        for (const k of c.candidates) assert.ok(trainCaptions.includes(k.prompt?.text ?? ''));
      }
      for (const who of ['sub-001', 'oracle', 'random']) {
        const clip = JSON.parse(
          await readFile(join(out, 'audio', 'generated', who, 'musicgen', `${clips[0]?.id}.json`), 'utf8'),
        ) as { prompt: { text: string }; settings: { seed: number } };
        assert.ok(trainCaptions.includes(clip.prompt.text), who);
        assert.equal(typeof clip.settings.seed, 'number');
      }
      assert.ok(res.metrics.musicgen?.identification !== undefined);
    } finally {
      await closeGeneration(shared);
    }
  });
});
