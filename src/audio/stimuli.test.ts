import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Rng } from '../util/rng.js';
import { encodeAu16 } from './au.js';
import { decodeAudioFile } from './decode.js';
import { cutExcerpt, cutStimuli, findGtzanTrack, roundHalfUp, type StimulusManifest } from './stimuli.js';
import { encodeWav } from './wav.js';

const SR = 22050;

function track(seconds: number, rate: number, seed: number, amp: number): Float32Array {
  const rng = new Rng(seed);
  const n = Math.round(seconds * rate);
  return Float32Array.from(
    { length: n },
    (_, i) => amp * (0.5 * Math.sin((2 * Math.PI * 220 * i) / rate) + 0.2 * rng.normal()),
  );
}

describe('cutExcerpt (sample-level rules)', () => {
  it('cuts [start, end) with rounded sample indices and quarter-sine fades', () => {
    const x = Float32Array.from({ length: 10 * SR }, () => 1);
    const { y, padded } = cutExcerpt(x, SR, 1.00001, 7.0, { fadeSeconds: 2 });
    assert.equal(padded, 0);
    assert.equal(y.length, Math.round(5.99999 * SR));
    const F = 2 * SR;
    assert.equal(y[0], 0);
    assert.ok(Math.abs((y[F / 2] as number) - Math.SQRT1_2) < 1e-6); // sin(π/4)
    assert.equal(y[F], 1);
    assert.equal(y[y.length - 1], 0);
    assert.ok(Math.abs((y[y.length - 1 - F / 2] as number) - Math.SQRT1_2) < 1e-6);
  });
  it('pads a track that ends early by ≤ the tolerance, refuses more', () => {
    const x = new Float32Array(5 * SR).fill(0.5);
    assert.equal(cutExcerpt(x, SR, 1, 5.3).padded, Math.round(0.3 * SR));
    assert.throws(() => cutExcerpt(x, SR, 1, 6), /past the end of the track/);
    assert.throws(() => cutExcerpt(x, SR, 3, 2), /not a valid interval/);
  });
  it('rounds half-sample starts up whatever the float noise (4.21 s · 22,050 = 92,830.5)', () => {
    assert.equal(roundHalfUp(4.21 * 22050), 92831);
    assert.equal(roundHalfUp(92830.49999999), 92831);
    assert.equal(roundHalfUp(92830.4999), 92830);
    const x = Float32Array.from({ length: 10 * SR }, (_, i) => i);
    assert.equal(cutExcerpt(x, SR, 4.21, 9.21, { fadeSeconds: 0 }).y[0], 92831);
  });
});

describe('cutStimuli on a miniature GTZAN copy', () => {
  let dir: string;
  const tracks: Record<string, Float32Array> = {};
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2m-stim-'));
    const g = join(dir, 'gtzan');
    await mkdir(join(g, 'blues'), { recursive: true });
    tracks.blues = track(8, SR, 1, 0.3);
    await writeFile(join(g, 'blues', 'blues.00012.au'), encodeAu16([tracks.blues], SR));
    tracks.rock = track(8, SR, 2, 0.9);
    await writeFile(join(g, 'rock.00003.au'), encodeAu16([tracks.rock], SR)); // flat layout
    const st = track(8, 44100, 3, 0.1); // stereo 44.1 kHz wav, must be resampled and mixed down
    await writeFile(join(g, 'jazz.00007.wav'), encodeWav([st, st], 44100, { bitDepth: 'float32' }).bytes);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds tracks in genre folders and flat folders', async () => {
    assert.equal(await findGtzanTrack(join(dir, 'gtzan'), 'blues', 12), join('blues', 'blues.00012.au'));
    assert.equal(await findGtzanTrack(join(dir, 'gtzan'), 'rock', 3), 'rock.00003.au');
    assert.equal(await findGtzanTrack(join(dir, 'gtzan'), 'pop', 1), null);
  });

  it('writes faded, equal-RMS 22.05 kHz clips and a manifest that describes them', async () => {
    const clips = [
      { genre: 'blues', track: 12, start: 1.5, end: 6.5 },
      { genre: 'rock', track: 3, start: 0.25, end: 5.25 },
      { genre: 'jazz', track: 7, start: 2, end: 7 },
    ];
    const out = join(dir, 'out');
    const m = await cutStimuli(clips, join(dir, 'gtzan'), out, { fadeSeconds: 1 });
    assert.equal(m.clips.length, 3);
    const manifest = JSON.parse(await readFile(join(out, 'stimuli.json'), 'utf8')) as StimulusManifest;
    assert.deepEqual(
      manifest.clips.map((c) => c.file),
      ['blues.00012.wav', 'rock.00003.wav', 'jazz.00007.wav'],
    );
    assert.equal((await readFile(join(out, 'stimuli.csv'), 'utf8')).trim().split('\n').length, 4);
    const rmsOut: number[] = [];
    for (const rec of manifest.clips) {
      const a = await decodeAudioFile(join(out, rec.file));
      assert.equal(a.sampleRate, 22050);
      assert.equal(a.channels.length, 1);
      const y = a.channels[0] as Float32Array;
      assert.equal(y.length, 5 * SR);
      let s = 0;
      for (const v of y) s += v * v;
      rmsOut.push(Math.sqrt(s / y.length));
    }
    // Equal RMS (to 16-bit quantisation) at the set mean times the set gain.
    for (const r of rmsOut)
      assert.ok(Math.abs(r / (manifest.targetRms * manifest.setGain) - 1) < 1e-3, String(r));
    // The blues clip, rebuilt by hand: x[round(1.5·sr) + i] · fade(i) · gain.
    const y = (await decodeAudioFile(join(out, 'blues.00012.wav'))).channels[0] as Float32Array;
    const g = manifest.clips[0]!.gain;
    const F = SR;
    const s0 = Math.round(1.5 * SR);
    let err = 0;
    for (let i = 0; i < y.length; i++) {
      const fade =
        i < F
          ? Math.sin((Math.PI / 2) * (i / F))
          : i >= y.length - F
            ? Math.sin((Math.PI / 2) * ((y.length - 1 - i) / F))
            : 1;
      const au = Math.round((tracks.blues![s0 + i] as number) * 32768) / 32768; // the .au holds 16-bit samples
      err = Math.max(err, Math.abs((y[i] as number) - au * fade * g));
    }
    assert.ok(err < 2 / 32768, `max error ${err}`);
    assert.ok(manifest.clips.every((c) => c.peak <= 0.999 + 1e-9));
    assert.equal(manifest.clips[2]!.sourceSampleRate, 44100);
    assert.equal(manifest.clips[2]!.sourceChannels, 2);
  });

  it('names every missing track before doing any work', async () => {
    const out = join(dir, 'out2');
    await assert.rejects(
      cutStimuli(
        [
          { genre: 'pop', track: 1, start: 0, end: 1 },
          { genre: 'blues', track: 12, start: 0, end: 1 },
        ],
        join(dir, 'gtzan'),
        out,
      ),
      /1 of 2 tracks not found in the GTZAN folder: pop.00001/,
    );
  });
});
