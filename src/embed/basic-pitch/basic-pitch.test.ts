import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Rng } from '../../util/rng.js';
import {
  BASIC_PITCH_BLOCKS,
  BASIC_PITCH_DIM,
  BasicPitchRunner,
  createBasicPitchEmbedder,
  type PitchActivations,
  resolveBasicPitchBackend,
} from './basic-pitch.js';
import type { TfjsPitchEngine } from './tfjs.js';

// Any network access would go through fetch or a socket: record it and fail it.
const attempts: unknown[] = [];
const realFetch = globalThis.fetch;
const realConnect = Socket.prototype.connect;
before(() => {
  globalThis.fetch = (async (...args: unknown[]) => {
    attempts.push(args[0]);
    throw new Error('network access attempted in a test');
  }) as typeof fetch;
  Socket.prototype.connect = function (this: Socket, ...args: unknown[]) {
    attempts.push(args[0]);
    throw new Error('socket connection attempted in a test');
  } as typeof Socket.prototype.connect;
});
after(() => {
  globalThis.fetch = realFetch;
  Socket.prototype.connect = realConnect;
});

function tones(seconds: number, hz: number[], sr = 22050): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  for (let i = 0; i < x.length; i++)
    for (const f of hz) x[i] += (0.3 * Math.sin((2 * Math.PI * f * i) / sr)) as number;
  return x;
}

/**
 * 2 model frames and an odd length (57,331 samples, 2.6 s): a melody of tones,
 * a C-major chord, then noise under a low tone.
 */
function testAudio(sr = 22050): Float32Array {
  const x = new Float32Array(Math.round(2.6 * sr) + 1);
  const rng = new Rng(7);
  const melody = [220, 329.63, 440, 587.33, 880];
  for (let i = 0; i < x.length; i++) {
    const t = i / sr;
    let v = 0;
    if (t < 1) v = 0.4 * Math.sin(2 * Math.PI * (melody[Math.floor(t / 0.2)] as number) * t);
    else if (t < 1.8) for (const f of [261.63, 329.63, 392]) v += 0.2 * Math.sin(2 * Math.PI * f * t);
    else v = 0.3 * Math.sin(2 * Math.PI * 110 * t) + 0.15 * rng.normal();
    x[i] = v;
  }
  return x;
}

function maxDiff(a: PitchActivations, b: PitchActivations): number {
  let m = 0;
  for (const k of ['notes', 'onsets', 'contours'] as const) {
    assert.deepEqual(a[k].shape, b[k].shape);
    const x = a[k].data;
    const y = b[k].data;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  }
  return m;
}

test('basic-pitch on ONNX Runtime reproduces the package evaluateModel (TF.js CPU) frame by frame, offline', async (t) => {
  const audio = testAudio();
  attempts.length = 0;
  const fast = await BasicPitchRunner.create({ backend: 'onnx', threads: 1 });
  const ours = await fast.activations(audio);
  await fast.dispose();

  // Reference: the package's own driver, on TF.js's pure-JS backend where its framing works.
  const ref = await BasicPitchRunner.create({ backend: 'tfjs-cpu' });
  const { BasicPitch } = await import('@spotify/basic-pitch');
  const bp = new BasicPitch(Promise.resolve((ref.engine as TfjsPitchEngine).model as never));
  const frames: number[][] = [];
  const onsets: number[][] = [];
  const contours: number[][] = [];
  await bp.evaluateModel(
    audio,
    (f, o, c) => {
      frames.push(...f);
      onsets.push(...o);
      contours.push(...c);
    },
    () => {},
  );
  await ref.dispose();
  assert.ok(ours.notes.rows > 172, 'the clip should span more than one model frame');
  assert.equal(ours.notes.rows, frames.length);
  let maxErr = 0;
  const compare = (ref: number[][], got: { get(t: number, k: number): number }) => {
    for (let t = 0; t < ref.length; t++) {
      const row = ref[t] as number[];
      for (let k = 0; k < row.length; k++)
        maxErr = Math.max(maxErr, Math.abs((row[k] as number) - got.get(t, k)));
    }
  };
  compare(frames, ours.notes);
  compare(onsets, ours.onsets);
  compare(contours, ours.contours);
  t.diagnostic(`max |ONNX − evaluateModel(TF.js CPU)| = ${maxErr.toExponential(2)}`);
  assert.ok(maxErr <= 1e-4, `max activation difference ${maxErr}`);
  assert.ok(
    ours.notes.data.some((v) => v > 0.5),
    'the tones should light up some keys',
  );
  assert.deepEqual(attempts, [], 'no network access');
});

test('basic-pitch: the TF.js WASM engine agrees with ONNX; batching does not change results', async (t) => {
  const audio = testAudio();
  const onnx = await BasicPitchRunner.create({ threads: 1 });
  const whole = await onnx.activations(audio);
  await onnx.dispose();
  const oneByOne = await BasicPitchRunner.create({ threads: 1, batch: 1 });
  const split = await oneByOne.activations(audio);
  await oneByOne.dispose();
  assert.ok(maxDiff(whole, split) <= 1e-6, `batch 1 vs 2: ${maxDiff(whole, split)}`);
  const wasm = await BasicPitchRunner.create({ backend: 'tfjs-wasm' });
  const w = await wasm.activations(audio);
  await wasm.dispose();
  const d = maxDiff(whole, w);
  t.diagnostic(`max |ONNX − TF.js WASM| = ${d.toExponential(2)}`);
  // The WASM backend's own float error (its convolutions sum in another order) is ~2e-4.
  assert.ok(d <= 1e-3, `max activation difference ${d}`);
  assert.deepEqual(attempts, [], 'no network access');
});

test('basic-pitch embedder: window rows, blocks, and an A4 tone lands on A', async () => {
  const emb = await createBasicPitchEmbedder();
  assert.equal(emb.dim, BASIC_PITCH_DIM);
  const last = BASIC_PITCH_BLOCKS[BASIC_PITCH_BLOCKS.length - 1]!;
  assert.equal(last.start + last.size, emb.dim);
  const E = await emb.embed(tones(4, [440]), { window: 2, stride: 1 });
  assert.deepEqual(E.shape, [3, BASIC_PITCH_DIM]);
  assert.ok(E.data.every(Number.isFinite));
  const row = E.row(1);
  const notes = Array.from(row.subarray(0, 88));
  assert.equal(notes.indexOf(Math.max(...notes)) + 21, 69, 'strongest key should be MIDI 69 (A4)');
  const pcs = Array.from(row.subarray(440, 452));
  assert.equal(pcs.indexOf(Math.max(...pcs)), 9, 'strongest pitch class should be A');
  assert.ok(Math.abs(pcs.reduce((a, b) => a + b, 0) - 1) < 1e-5);
  // Silence: finite, no notes, uniform pitch classes.
  const S = await emb.embed(new Float32Array(22050 * 2), { window: 2, stride: 1 });
  assert.ok(S.data.every(Number.isFinite));
  assert.ok((S.get(0, 452) as number) < 0.1);
  await emb.dispose?.();
  assert.deepEqual(attempts, [], 'no network access');
});

test('basic-pitch backend: option, environment, and a clear error for unknown names', () => {
  const saved = process.env.B2M_BASIC_PITCH_BACKEND;
  try {
    delete process.env.B2M_BASIC_PITCH_BACKEND;
    assert.equal(resolveBasicPitchBackend(), 'onnx');
    process.env.B2M_BASIC_PITCH_BACKEND = 'tfjs-wasm';
    assert.equal(resolveBasicPitchBackend(), 'tfjs-wasm');
    assert.equal(resolveBasicPitchBackend('onnx'), 'onnx');
    process.env.B2M_BASIC_PITCH_BACKEND = 'gpu';
    assert.throws(
      () => resolveBasicPitchBackend(),
      (e: Error & { hint?: string }) =>
        /unknown basic-pitch backend "gpu"/.test(e.message) && /onnx, tfjs-wasm, tfjs-cpu/.test(e.hint ?? ''),
    );
  } finally {
    if (saved === undefined) delete process.env.B2M_BASIC_PITCH_BACKEND;
    else process.env.B2M_BASIC_PITCH_BACKEND = saved;
  }
});
