/** End-to-end runs of `b2m features` and `b2m stimuli` through the CLI entry point. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../cli/main.js';
import { readNpy } from '../io/npy.js';
import { encodeAu16 } from './au.js';
import { melSpectrogram } from './mel.js';
import { resample } from './resample.js';
import { FIXTURE_DIR, loadF32, maxAbsErr } from './test-fixtures.js';

async function run(args: string[]): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await main(['node', 'b2m', ...args]);
  } finally {
    process.stderr.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { code, stderr };
}

describe('b2m features / b2m stimuli (CLI)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2m-audio-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('features mel writes n_mels × n_frames float32 .npy, resampling 48 kHz input to --sr', async () => {
    const out = join(dir, 'M.npy');
    const r = await run([
      'features',
      'mel',
      `${FIXTURE_DIR}mono_float.wav`,
      '--sr',
      '22050',
      '--n-mels',
      '64',
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const arr = await readNpy(out);
    assert.equal(arr.dtype, 'float32');
    const x = resample(loadF32('expect_mono_float.f32'), 48000, 22050);
    const M = melSpectrogram(x, 22050, { nMels: 64 });
    assert.deepEqual(arr.shape, [64, M.cols]);
    assert.ok(maxAbsErr(arr.data as Float32Array, M.data) < 1e-6);
    assert.match(r.stderr, /resampled from 48000 Hz/);
  });

  it('bad options are user errors (exit 1) with the flag named', async () => {
    const r = await run(['features', 'mel', `${FIXTURE_DIR}mono_float.wav`, '--n-fft', 'x']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--n-fft must be an integer/);
  });

  it('stimuli cuts the clips a design JSON lists', async () => {
    const g = join(dir, 'gtzan');
    const x = Float32Array.from({ length: 22050 * 6 }, (_, i) => 0.3 * Math.sin(i / 9));
    await writeFile(
      join(dir, 'design.json'),
      JSON.stringify({
        clips: [{ id: 'pop.00001', genre: 'pop', track: 1, start: 0.5, end: 4.5, split: 'test' }],
      }),
    );
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(g, 'pop'), { recursive: true });
    await writeFile(join(g, 'pop', 'pop.00001.au'), encodeAu16([x], 22050));
    const out = join(dir, 'stim');
    const r = await run([
      'stimuli',
      '--gtzan',
      g,
      '--design',
      join(dir, 'design.json'),
      '--out',
      out,
      '--fade',
      '1',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const m = JSON.parse(await readFile(join(out, 'stimuli.json'), 'utf8'));
    assert.equal(m.clips[0].samples, 4 * 22050);
    const r2 = await run(['stimuli', '--gtzan', g, '--out', out]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /exactly one of --dataset ROOT or --design FILE/);
  });
});
