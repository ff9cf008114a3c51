import assert from 'node:assert/strict';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClapAudioEmbedder, createClapTextEmbedder, loadTransformersOffline } from './clap.js';
import { writeStandinClap } from './standin.js';

let dir: string;
let fetchCalls: unknown[] = [];
const realFetch = globalThis.fetch;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-clap-'));
  await writeStandinClap(join(dir, 'model'), { dim: 16 });
  // Any network access would go through fetch: record it and fail it.
  globalThis.fetch = (async (...args: unknown[]) => {
    fetchCalls.push(args[0]);
    throw new Error('network access attempted in a test');
  }) as typeof fetch;
});

after(async () => {
  globalThis.fetch = realFetch;
  await rm(dir, { recursive: true, force: true });
});

function tone(seconds: number, hz: number, sr = 48000): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  for (let i = 0; i < x.length; i++) x[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / sr);
  return x;
}

test('clap audio: stand-in model loads from the local folder, 4 unit rows per 15-s clip, no network', async () => {
  fetchCalls = [];
  const emb = await createClapAudioEmbedder({ modelDir: join(dir, 'model') });
  assert.equal(emb.sampleRate, 48000);
  assert.equal(emb.dim, 16);
  const E = await emb.embed(tone(15, 440), { window: 10, stride: 1.5 });
  assert.deepEqual(E.shape, [4, 16]);
  for (let i = 0; i < 4; i++) {
    const n = Math.hypot(...E.row(i));
    assert.ok(Math.abs(n - 1) < 1e-5, `row ${i} norm ${n}`);
  }
  // A stationary tone looks the same in every window; a different tone does not.
  const other = await emb.embed(tone(15, 3000), { window: 10, stride: 1.5 });
  let same = 0;
  let diff = 0;
  for (let j = 0; j < 16; j++) {
    same += E.get(0, j) * E.get(3, j);
    diff += E.get(0, j) * other.get(0, j);
  }
  assert.ok(same > 0.999, `same-tone cosine ${same}`);
  assert.ok(diff < same, `different tones should differ (${diff})`);
  // Windows longer than CLAP's 10 s are averaged over 10-s chunks, deterministically.
  const long1 = await emb.embed(tone(15, 440), { window: 15, stride: 1.5 });
  const long2 = await emb.embed(tone(15, 440), { window: 15, stride: 1.5 });
  assert.deepEqual(long1.shape, [1, 16]);
  assert.deepEqual(long1.data, long2.data);
  // Short clips are repeat-padded by CLAP's extractor: still finite, unit rows.
  const short = await emb.embed(tone(1, 440), { window: 10, stride: 1.5 });
  assert.deepEqual(short.shape, [1, 16]);
  assert.ok(short.data.every(Number.isFinite));
  await emb.dispose?.();
  assert.deepEqual(fetchCalls, []);
  const tr = await loadTransformersOffline();
  assert.equal(tr.env.allowRemoteModels, false);
});

test('clap text: stand-in tokenizer + text tower, batching does not change results, no network', async () => {
  fetchCalls = [];
  const emb = await createClapTextEmbedder({ modelDir: join(dir, 'model'), batch: 2 });
  const texts = ['A calm jazz piece with piano', 'loud metal with drums', 'happy pop song', 'xyzzy'];
  const T = await emb.embed(texts);
  assert.deepEqual(T.shape, [4, 16]);
  const one = await createClapTextEmbedder({ modelDir: join(dir, 'model'), batch: 1 });
  const T1 = await one.embed(texts);
  for (let k = 0; k < T.size; k++) assert.ok(Math.abs((T.data[k] as number) - (T1.data[k] as number)) < 1e-5);
  assert.deepEqual(fetchCalls, []);
});

test('clap: a clear error names the missing files; no folder → says how to give one', async () => {
  await assert.rejects(createClapAudioEmbedder({ modelDir: join(dir, 'nowhere') }), (e: Error) => {
    assert.match(e.message, /onnx\/audio_model\.onnx/);
    assert.match(e.message, /preprocessor_config\.json/);
    return true;
  });
  const saved = process.env.B2M_CLAP_DIR;
  delete process.env.B2M_CLAP_DIR;
  await assert.rejects(createClapTextEmbedder({}), /needs a local model folder/);
  if (saved !== undefined) process.env.B2M_CLAP_DIR = saved;
  await unlink(join(dir, 'model', 'onnx', 'text_model.onnx'));
  await assert.rejects(
    createClapTextEmbedder({ modelDir: join(dir, 'model') }),
    /missing .*onnx\/text_model\.onnx/,
  );
  await assert.rejects(
    createClapAudioEmbedder({ modelDir: join(dir, 'model'), dtype: 'q8' }),
    /audio_model_quantized\.onnx/,
  );
  assert.deepEqual(fetchCalls, []);
});
