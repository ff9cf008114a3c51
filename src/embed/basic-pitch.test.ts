import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BASIC_PITCH_BLOCKS,
  BASIC_PITCH_DIM,
  BasicPitchRunner,
  createBasicPitchEmbedder,
} from './basic-pitch.js';

function tones(seconds: number, hz: number[], sr = 22050): Float32Array {
  const x = new Float32Array(Math.round(seconds * sr));
  for (let i = 0; i < x.length; i++)
    for (const f of hz) x[i] += (0.3 * Math.sin((2 * Math.PI * f * i) / sr)) as number;
  return x;
}

test('basic-pitch on WASM reproduces the package evaluateModel (CPU backend) frame by frame', async () => {
  const audio = tones(1.2, [440, 659.25]);
  const fast = await BasicPitchRunner.create({ backend: 'wasm' });
  const ours = await fast.activations(audio);
  fast.dispose();
  // Reference: the package's own driver, on the pure-JS backend where its framing works.
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const { BasicPitch } = await import('@spotify/basic-pitch');
  const ref = await BasicPitchRunner.create({ backend: 'cpu' });
  const bp = new BasicPitch(Promise.resolve((ref as unknown as { model: never }).model));
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
  ref.dispose();
  await tf.setBackend('wasm');
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
  assert.ok(maxErr < 1e-3, `max activation difference ${maxErr}`);
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
});
