import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareAudio } from './prepare.js';
import { windowCount, windowStarts } from './windows.js';

test('window counts follow the paper: 15-s clip → 4 × 10 s, 10 × 1.5 s, 1 × 15 s at 1.5-s stride', () => {
  assert.equal(windowCount(15, { window: 10, stride: 1.5 }), 4);
  assert.equal(windowCount(15, { window: 1.5, stride: 1.5 }), 10);
  assert.equal(windowCount(15, { window: 15, stride: 1.5 }), 1);
  assert.equal(windowCount(15, { window: 5, stride: 1.5 }), 7); // w2v-BERT: 7 per clip
  assert.equal(windowCount(3, { window: 10, stride: 1.5 }), 1); // shorter than a window: the whole clip
  // Brute force: count k with k·stride + window ≤ duration, over a grid of durations.
  for (let d = 10; d <= 40; d += 0.05) {
    let n = 0;
    while (n * 1.5 + 10 <= d + 1e-9) n++;
    assert.equal(windowCount(d, { window: 10, stride: 1.5 }), n, `duration ${d}`);
  }
  assert.throws(() => windowCount(15, { window: 0, stride: 1.5 }), /window length/);
  assert.throws(() => windowCount(15, { window: 10, stride: -1 }), /stride/);
});

test('window starts in samples: rounded, inside the clip; short clips are one whole window; tiny clips error', () => {
  const sr = 22050;
  const w = windowStarts(15 * sr, sr, { window: 10, stride: 1.5 });
  assert.deepEqual(
    w.map((x) => x.start),
    [0, 33075, 66150, 99225],
  );
  for (const x of w) assert.ok(x.start + x.length <= 15 * sr);
  assert.deepEqual(windowStarts(2 * sr, sr, { window: 10, stride: 1.5 }), [{ start: 0, length: 2 * sr }]);
  assert.throws(() => windowStarts(100, sr, { window: 10, stride: 1.5 }, 'x.wav'), /ms long/);
});

test('prepareAudio: stereo → mean, DC removed, clamped, resampled; too short / too long rejected', () => {
  const n = 8000;
  const left = new Float32Array(n).fill(0.5);
  const right = new Float32Array(n).fill(0.1);
  for (let i = 0; i < n; i++) {
    left[i] = (left[i] as number) + 0.5 * Math.sin(i / 10);
    right[i] = (right[i] as number) + 0.5 * Math.sin(i / 10);
  }
  const x = prepareAudio({ sampleRate: 8000, channels: [left, right] }, 8000);
  let mean = 0;
  for (const v of x) mean += v;
  assert.ok(Math.abs(mean / n) < 1e-6, 'DC removed');
  // Mean of the channels (0.3 + 0.5·sin) minus its DC.
  assert.ok(Math.abs((x[100] as number) - 0.5 * Math.sin(10)) < 1e-2);
  const loud = prepareAudio(
    { sampleRate: 8000, channels: [Float32Array.from({ length: n }, (_, i) => (i % 2 ? 3 : -3))] },
    8000,
  );
  assert.ok(loud.every((v) => Math.abs(v) <= 1));
  for (const [from, to] of [
    [8000, 22050],
    [48000, 22050],
    [44100, 48000],
  ] as const) {
    const y = prepareAudio({ sampleRate: from, channels: [new Float32Array(from)] }, to);
    assert.equal(y.length, to, `${from} → ${to}`);
  }
  assert.throws(
    () => prepareAudio({ sampleRate: 8000, channels: [new Float32Array(100)] }, 8000, { file: 'a.wav' }),
    /ms long/,
  );
  assert.throws(
    () =>
      prepareAudio({ sampleRate: 1000, channels: [new Float32Array(1000 * 20)] }, 1000, { maxSeconds: 10 }),
    /more than the 10 s limit/,
  );
});
