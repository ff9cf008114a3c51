import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { resample } from '../audio/resample.js';
import { encodeWav } from '../audio/wav.js';
import { isUserError } from '../util/errors.js';
import { Rng } from '../util/rng.js';
import { writeExcerpt, writeExcerpts } from './excerpt.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-excerpt-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function pearson(a: Float32Array, b: Float32Array, n: number): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

test('writeExcerpt: a 15-s mono 22,050-Hz MP3 that decodes back to the cut and correlates with it', async () => {
  // 25 s of stereo 44.1 kHz "music": a melody of tones whose pitch changes every 0.5 s, plus a little noise.
  const sr = 44100;
  const rng = new Rng(3);
  const n = 25 * sr;
  const L = new Float32Array(n);
  const R = new Float32Array(n);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const note = Math.floor(i / (sr / 2));
    const hz = 220 * 2 ** (((note * 7) % 24) / 12);
    phase += (2 * Math.PI * hz) / sr;
    const s = 0.4 * Math.sin(phase) + 0.02 * rng.normal();
    L[i] = s;
    R[i] = 0.8 * s;
  }
  const src = join(dir, 'song.wav');
  await writeFile(src, encodeWav([L, R], sr).bytes);
  const dst = join(dir, 'out', 'song.mp3');
  const res = await writeExcerpt(src, dst, { startSeconds: 4, seconds: 15 });
  assert.equal(res.sampleRate, 22050);
  assert.ok(Math.abs(res.seconds - 15) < 1e-9);
  const size = (await stat(dst)).size;
  assert.equal(res.bytes, size);
  assert.ok(size < 150_000 && size > 60_000, `${size} bytes`); // 64 kbit/s × 15 s ≈ 120 kB
  assert.deepEqual(await readdir(join(dir, 'out')), ['song.mp3']); // no temporaries left

  const back = await decodeAudioFile(dst);
  assert.equal(back.sampleRate, 22050);
  assert.equal(back.channels.length, 1);
  const got = back.channels[0]!;
  // The decoder does not trim LAME's encoder delay (~1,100 samples)
  // and the last frame's padding: never fewer samples than the cut, at most 2,304 more.
  const extra = got.length - 15 * 22050;
  assert.ok(extra >= 0 && extra <= 2 * 1152, `${got.length / 22050} s`);
  // The reference: the same span mixed to mono and resampled independently of the MP3 path.
  const mono = toMono([L.subarray(4 * sr, 19 * sr), R.subarray(4 * sr, 19 * sr)]);
  const ref = resample(mono, sr, 22050);
  // Find the decoder's delay on a 2-s stretch (lags up to ±1,200 samples), then correlate everything at it.
  let lagBest = 0;
  let rBest = -1;
  for (let lag = -1200; lag <= 1200; lag++) {
    const a = lag >= 0 ? got.subarray(lag + 22050) : got.subarray(22050);
    const b = lag >= 0 ? ref.subarray(22050) : ref.subarray(22050 - lag);
    const r = pearson(a, b, 2 * 22050);
    if (r > rBest) [rBest, lagBest] = [r, lag];
  }
  assert.ok(Math.abs(lagBest) < 1200);
  const a = lagBest >= 0 ? got.subarray(lagBest) : got;
  const b = lagBest >= 0 ? ref : ref.subarray(-lagBest);
  const best = pearson(a, b, Math.min(a.length, b.length));
  assert.ok(best > 0.95, `correlation ${best}`);
});

test('writeExcerpt: a short source gives what there is; a start past the end is a clear error', async () => {
  const sr = 22050;
  const x = Float32Array.from({ length: 6 * sr }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 330 * i) / sr));
  const src = join(dir, 'short.wav');
  await writeFile(src, encodeWav(x, sr).bytes);
  const res = await writeExcerpt(src, join(dir, 'short.mp3'));
  assert.ok(Math.abs(res.seconds - 6) < 1e-9);
  await assert.rejects(
    writeExcerpt(src, join(dir, 'never.mp3'), { startSeconds: 7 }),
    (e) => isUserError(e) && /starts at 7 s but the audio lasts 6\.00 s/.test(e.message),
  );
  await assert.rejects(stat(join(dir, 'never.mp3')));
});

test('writeExcerpts: worker threads write the same bytes as the main thread; a bad source is a UserError naming it', async () => {
  const sr = 22050;
  const jobs = [];
  for (let i = 0; i < 4; i++) {
    const x = Float32Array.from(
      { length: sr / 2 },
      (_, k) => 0.3 * Math.sin((2 * Math.PI * (200 + 50 * i) * k) / sr),
    );
    const src = join(dir, `many${i}.wav`);
    await writeFile(src, encodeWav(x, sr).bytes);
    jobs.push({ src, dst: join(dir, 'par', `${i}.mp3`) });
  }
  // One pool start: four good jobs and a missing source last (the pool stops at the failure).
  const bad = { src: join(dir, 'nope.wav'), dst: join(dir, 'par', 'x.mp3') };
  await assert.rejects(
    writeExcerpts([...jobs, bad], { workers: 2 }),
    (e) => isUserError(e) && e.location.file === bad.src,
  );
  const seq = await writeExcerpts(
    jobs.map((j, i) => ({ ...j, dst: join(dir, 'seq', `${i}.mp3`) })),
    { workers: 1 },
  );
  assert.equal(seq.length, 4);
  for (let i = 0; i < 4; i++) {
    assert.deepEqual(
      await readFile(join(dir, 'par', `${i}.mp3`)),
      await readFile(join(dir, 'seq', `${i}.mp3`)),
    );
  }
  assert.deepEqual((await readdir(join(dir, 'par'))).sort(), ['0.mp3', '1.mp3', '2.mp3', '3.mp3']);
});
