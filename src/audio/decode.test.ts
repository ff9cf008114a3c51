import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { alawToLinear, decodeAu, encodeAu16, mulawToLinear } from './au.js';
import { decodeAudioBytes, decodeAudioFile, toMono } from './decode.js';
import { encodeMp3 } from './encode.js';
import { FIXTURE_DIR, INDEX, loadF32, maxAbsErr } from './test-fixtures.js';
import { encodeWav, writeWav } from './wav.js';

/** Best normalised cross-correlation of a against b over lags 0..maxLag (codec delay). */
function bestCorrelation(a: Float32Array, b: Float32Array, maxLag: number): { r: number; lag: number } {
  let best = { r: -1, lag: 0 };
  for (let lag = 0; lag <= maxLag; lag++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    const n = Math.min(a.length - lag, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i + lag] as number;
      const y = b[i] as number;
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    const r = ab / Math.sqrt(aa * bb || 1);
    if (r > best.r) best = { r, lag };
  }
  return best;
}

describe('decodeAudioFile on fixtures written by Python (scipy, audioop, flac/oggenc/lame)', () => {
  for (const [name, spec] of Object.entries(INDEX.encoded) as [
    string,
    { expect: string; sampleRate: number; lossless?: boolean },
  ][]) {
    it(name, async () => {
      const audio = await decodeAudioFile(FIXTURE_DIR + name);
      assert.equal(audio.sampleRate, spec.sampleRate);
      const expect = loadF32(spec.expect);
      const nch = audio.channels.length;
      const n = expect.length / nch;
      if (spec.lossless === false) {
        // Lossy codecs: same channel count, the tone survives (r > 0.99 at the codec's delay).
        for (let c = 0; c < nch; c++) {
          const want = expect.subarray(c * n, (c + 1) * n);
          const { r } = bestCorrelation(audio.channels[c] as Float32Array, want, 3000);
          assert.ok(r > 0.99, `channel ${c}: correlation ${r}`);
        }
        return;
      }
      for (let c = 0; c < nch; c++) {
        assert.equal((audio.channels[c] as Float32Array).length, n);
        // 16-bit files: decoders differ only in the int→float scale (32767 vs 32768).
        assert.ok(maxAbsErr(audio.channels[c] as Float32Array, expect.subarray(c * n, (c + 1) * n)) < 5e-5);
      }
    });
  }
});

describe('.au reader', () => {
  it('G.711 µ-law and A-law tables hit their published end points', () => {
    assert.equal(mulawToLinear(0x00), -32124 / 32768);
    assert.equal(mulawToLinear(0x80), 32124 / 32768);
    assert.equal(mulawToLinear(0xff), 0);
    assert.equal(alawToLinear(0xd5), 8 / 32768);
    assert.equal(alawToLinear(0x2a), -32256 / 32768);
  });
  it('round-trips 16-bit big-endian PCM (GTZAN layout), and reads a truncated data chunk', () => {
    const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 10) * 0.7);
    const bytes = encodeAu16([x], 22050);
    const a = decodeAu(bytes);
    assert.equal(a.sampleRate, 22050);
    assert.ok(maxAbsErr(a.channels[0] as Float32Array, x) <= 0.5 / 32768 + 1e-9);
    const cut = decodeAu(bytes.subarray(0, bytes.length - 101)); // odd cut: whole samples only
    assert.equal((cut.channels[0] as Float32Array).length, 949);
  });
  it('clear errors: bad magic, unsupported encoding, no samples', () => {
    assert.throws(() => decodeAu(new Uint8Array(40)), UserError);
    const b = encodeAu16([new Float32Array(10)], 8000);
    new DataView(b.buffer).setUint32(12, 23);
    assert.throws(() => decodeAu(b, 'x.au'), /unsupported .au encoding 23/);
    assert.throws(() => decodeAu(encodeAu16([new Float32Array(0)], 8000)), /no samples/);
  });
});

describe('WAV writer', () => {
  it('16/24/32-bit and float32 round-trip through the decoder; clipping saturates and is counted', async () => {
    const x = Float32Array.from({ length: 500 }, (_, i) => 1.5 * Math.sin(i / 7));
    for (const bitDepth of [16, 24, 32, 'float32'] as const) {
      const { bytes, clipped } = encodeWav([x, x], 8000, { bitDepth });
      const a = await decodeAudioBytes(bytes);
      assert.equal(a.sampleRate, 8000);
      assert.equal(a.channels.length, 2);
      const want = bitDepth === 'float32' ? x : x.map((v) => Math.max(-1, Math.min(1, v)));
      assert.ok(
        maxAbsErr(a.channels[1] as Float32Array, want) < (bitDepth === 16 ? 1e-4 : 1e-6),
        String(bitDepth),
      );
      if (bitDepth === 'float32') assert.equal(clipped, 0);
      else assert.ok(clipped > 100);
    }
  });
  it('16-bit and float32 bytes equal a per-sample DataView writer (the slow obvious reference)', () => {
    // Stereo with out-of-range values, exact ±1 and rounding ties.
    const l = Float32Array.from({ length: 1001 }, (_, i) => 1.3 * Math.sin(i / 5));
    const r = Float32Array.from({ length: 1001 }, (_, i) =>
      i % 7 === 0 ? (i % 2 ? 1 : -1) : (i - 500) / 65536,
    );
    for (const bitDepth of [16, 'float32'] as const) {
      const { bytes, clipped } = encodeWav([l, r], 22050, { bitDepth });
      const ref = new DataView(new ArrayBuffer(l.length * 2 * (bitDepth === 16 ? 2 : 4)));
      let refClipped = 0;
      for (let i = 0, off = 0; i < l.length; i++) {
        for (const x of [l[i] as number, r[i] as number]) {
          if (bitDepth === 'float32') {
            ref.setFloat32(off, x, true);
            off += 4;
            continue;
          }
          const s = Math.round(x * 32768);
          if ((s > 32767 && x > 1) || s < -32768) refClipped++;
          ref.setInt16(off, Math.min(32767, Math.max(-32768, s)), true);
          off += 2;
        }
      }
      assert.deepEqual(bytes.subarray(44), new Uint8Array(ref.buffer), String(bitDepth));
      assert.equal(clipped, refClipped, String(bitDepth));
    }
    assert.throws(
      () => encodeWav([l, Float32Array.from(r, (v, i) => (i === 9 ? Number.NaN : v))], 8000),
      /sample 9 of channel 1/,
    );
  });
  it('writes atomically into new folders and refuses NaN', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'b2m-wav-'));
    try {
      const p = join(dir, 'a', 'b.wav');
      await writeWav(p, new Float32Array([0, 0.5, -0.5]), 22050);
      assert.equal((await readFile(p)).length, 44 + 6);
      assert.throws(() => encodeWav(new Float32Array([Number.NaN]), 8000), /NaN/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('decode rules', () => {
  it('missing, empty and garbage files give UserErrors naming the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'b2m-dec-'));
    try {
      await assert.rejects(
        decodeAudioFile(join(dir, 'nope.wav')),
        (e: UserError) => e.location.file?.endsWith('nope.wav') === true,
      );
      await writeFile(join(dir, 'empty.wav'), '');
      await assert.rejects(decodeAudioFile(join(dir, 'empty.wav')), /empty/);
      await writeFile(join(dir, 'junk.mp3'), 'this is not audio at all, just text'.repeat(20));
      await assert.rejects(decodeAudioFile(join(dir, 'junk.mp3')), UserError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it('toMono averages channels (librosa.to_mono)', () => {
    const m = toMono([new Float32Array([1, 0.5]), new Float32Array([0, -0.5])]);
    assert.deepEqual(Array.from(m), [0.5, 0]);
  });
  it('MP3 encoder output decodes back to the same tone (LAME wasm → audio-decode)', async () => {
    const x = Float32Array.from({ length: 22050 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 22050));
    const { bytes, sampleRate } = await encodeMp3(x, 22050, { kbps: 64 });
    assert.equal(sampleRate, 22050);
    const a = await decodeAudioBytes(bytes);
    assert.equal(a.sampleRate, 22050);
    const { r } = bestCorrelation(a.channels[0] as Float32Array, x.subarray(0, 20000), 3000);
    assert.ok(r > 0.99, `correlation ${r}`);
  });
});
