/**
 * Every writing command, as a user runs it, against the output rules: a file or
 * folder the user owns survives (even with --force), an input is never the output,
 * `--out .` is a clear error, and an interrupted run leaves no temporary behind.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeAu16 } from '../../audio/au.js';
import { writeWav } from '../../audio/wav.js';
import { writeNifti } from '../../io/nifti/index.js';
import { writeNpy } from '../../io/npy.js';
import { synthesizeDataset } from '../../synth/index.js';
import {
  b2mRefusal,
  interruptWhen,
  interruptWhenTempAppears,
  runB2m,
  tempsIn,
  tempsUnder,
} from '../../testing/cli.js';

const root = mkdtempSync(join(tmpdir(), 'b2m-outputs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const X = join(root, 'X.npy');
const Y = join(root, 'Y.npy');
const RUN = join(root, 'run.nii');
const MASK = join(root, 'mask.nii');
const WAV = join(root, 'clip.wav');

before(async () => {
  const n = 40;
  const x = new Float64Array(n * 3).map((_, i) => Math.sin(i * 1.3));
  const y = new Float64Array(n * 2).map((_, i) => Math.cos(i * 0.7));
  await writeNpy(X, x, [n, 3]);
  await writeNpy(Y, y, [n, 2]);
  const dims = [4, 4, 3, 5];
  await writeNifti(RUN, {
    header: { dims },
    data: new Float32Array(4 * 4 * 3 * 5).map((_, i) => 100 + (i % 7)),
  });
  await writeNifti(MASK, { header: { dims: [4, 4, 3] }, data: new Uint8Array(48).map((_, i) => i % 2) });
  await writeWav(
    WAV,
    new Float32Array(22050).map((_, i) => 0.3 * Math.sin(i / 10)),
    22050,
  );
});

/** A user's folder with one file in it; returns [folder, file]. */
function userFolder(name: string): [string, string] {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  const f = join(d, 'notes.txt');
  writeFileSync(f, 'precious');
  return [d, f];
}

function userFile(name: string): string {
  const f = join(root, name);
  writeFileSync(f, 'precious');
  return f;
}

function assertRefused(message: string | null, re: RegExp): void {
  assert.ok(message !== null, 'the command was not refused');
  assert.match(message, re);
  assert.doesNotMatch(message, /EBUSY/);
}

const fitArgs = (out: string, more: string[]) => [
  'ridge',
  'fit',
  '--x',
  X,
  '--y',
  Y,
  '--alphas',
  '1,10',
  '--cv',
  '2',
  '-q',
  '--out',
  out,
  ...more,
];
/** Refusal expected: in-process. */
const fit = (out: string, ...more: string[]) => b2mRefusal(fitArgs(out, more));
/** Success expected: a real process. */
const fitOk = (out: string, ...more: string[]) => {
  const r = runB2m(fitArgs(out, more));
  assert.equal(r.code, 0, r.err);
};

describe('ridge fit --out', () => {
  it('refuses a folder of user files, with or without --force, and deletes nothing', async () => {
    const [d, f] = userFolder('fit-user');
    assertRefused(await fit(d), /did not write \(notes\.txt\)/);
    assertRefused(await fit(d, '--force'), /even with --force/);
    assert.equal(readFileSync(f, 'utf8'), 'precious');
  });

  it('refuses a regular file and the inputs themselves', async () => {
    const f = userFile('fit-file');
    assertRefused(await fit(f, '--force'), /not a folder/);
    assert.equal(readFileSync(f, 'utf8'), 'precious');
    assertRefused(await fit(X, '--force'), /is an input \(--x/);
    assertRefused(await fit(root, '--force'), /contains an input/);
    assert.ok(readFileSync(X).subarray(1, 6).toString() === 'NUMPY');
  });

  it('--out . is a clear error, not EBUSY', async () => {
    const d = mkdtempSync(join(root, 'cwd-'));
    const r = await b2mRefusal(['ridge', 'fit', '--x', X, '--y', Y, '--out', '.'], { cwd: d });
    assertRefused(r, /is the working folder/);
  });

  it('replaces its own model only with --force, and keeps files the user added', async () => {
    const m = join(root, 'model');
    fitOk(m);
    assertRefused(await fit(m), /already holds a ridge model.*\n.*--force/);
    fitOk(m, '--force');
    writeFileSync(join(m, 'README.txt'), 'my notes on this model');
    assertRefused(await fit(m, '--force'), /also files b2m did not write \(README\.txt\)/);
    assert.equal(readFileSync(join(m, 'README.txt'), 'utf8'), 'my notes on this model');
  });
});

describe('ridge predict --out', () => {
  it('refuses a user file even with --force, and its own input', async () => {
    const m = join(root, 'model-p');
    fitOk(m);
    const f = userFile('pred.txt');
    assertRefused(
      await b2mRefusal(['ridge', 'predict', '--model', m, '--x', X, '--out', f, '--force']),
      /not a \.npy array/,
    );
    assert.equal(readFileSync(f, 'utf8'), 'precious');
    assertRefused(
      await b2mRefusal(['ridge', 'predict', '--model', m, '--x', X, '--out', X, '--force']),
      /is an input/,
    );
    const p = join(root, 'p.npy');
    assert.equal(runB2m(['ridge', 'predict', '--model', m, '--x', X, '--out', p]).code, 0);
    assertRefused(await b2mRefusal(['ridge', 'predict', '--model', m, '--x', X, '--out', p]), /--force/);
    assert.equal(runB2m(['ridge', 'predict', '--model', m, '--x', X, '--out', p, '--force']).code, 0);
  });
});

describe('nifti mask / extract -o', () => {
  it('refuse user files and inputs', async () => {
    const f = userFile('mask-out.nii');
    assertRefused(
      await b2mRefusal(['nifti', 'mask', '--mask', MASK, '-o', f, '--force']),
      /not a NIfTI image/,
    );
    assertRefused(
      await b2mRefusal(['nifti', 'mask', '--mask', MASK, '-o', MASK, '--force']),
      /is an input \(--mask/,
    );
    assertRefused(
      await b2mRefusal(['nifti', 'extract', RUN, '--mask', MASK, '-o', RUN, '--force']),
      /is an input/,
    );
    const g = userFile('extract.npy');
    assertRefused(
      await b2mRefusal(['nifti', 'extract', RUN, '--mask', MASK, '-o', g, '--force']),
      /not a \.npy array/,
    );
    const o = join(root, 'x.npy');
    assertRefused(
      await b2mRefusal(['nifti', 'extract', RUN, '--mask', MASK, '-o', o, '--inverse', o]),
      /is an input \(--out/,
    );
    assert.equal(readFileSync(f, 'utf8'), 'precious');
    assert.equal(readFileSync(g, 'utf8'), 'precious');
  });
});

describe('features --out', () => {
  it('refuses a user file and the input audio', async () => {
    const f = userFile('mel.npy');
    assertRefused(await b2mRefusal(['features', 'chroma', WAV, '--out', f, '--force']), /not a \.npy array/);
    assertRefused(
      await b2mRefusal(['features', 'chroma', WAV, '--out', WAV, '--force']),
      /is an input \(<file>/,
    );
    assert.equal(readFileSync(f, 'utf8'), 'precious');
  });
});

describe('stimuli --out', () => {
  it('refuses a user folder and a folder inside --gtzan', async () => {
    const [d, f] = userFolder('stim-user');
    const design = userFile('design.json');
    const g = join(root, 'gtzan');
    mkdirSync(g, { recursive: true });
    assertRefused(
      await b2mRefusal(['stimuli', '--gtzan', g, '--design', design, '--out', d, '--force']),
      /did not write/,
    );
    assertRefused(
      await b2mRefusal(['stimuli', '--gtzan', g, '--design', design, '--out', join(g, 'clips')]),
      /lies inside an input \(--gtzan/,
    );
    assert.equal(readFileSync(f, 'utf8'), 'precious');
  });
});

describe('synth --out', () => {
  it('refuses a user folder with --force, and the working folder', async () => {
    const [d, f] = userFolder('synth-user');
    assertRefused(await b2mRefusal(['synth', '--out', d, '--force']), /did not write \(notes\.txt\)/);
    assert.equal(readFileSync(f, 'utf8'), 'precious');
    assertRefused(await b2mRefusal(['synth', '--out', '.'], { cwd: d }), /is the working folder/);
  });
});

describe('interrupted runs leave no temporary', () => {
  it('nifti extract: SIGINT while the .npy is being written → exit 130, nothing left', async () => {
    // 40×40×30 voxels × 200 scans of int16 → a 38-MB float32 output, written in 16-MB chunks.
    const dir = mkdtempSync(join(root, 'sigint-'));
    const run = join(dir, 'big.nii');
    const n = 40 * 40 * 30;
    await writeNifti(run, { header: { dims: [40, 40, 30, 200] }, data: new Int16Array(n * 200).fill(7) });
    const mask = join(dir, 'm.nii');
    await writeNifti(mask, { header: { dims: [40, 40, 30] }, data: new Uint8Array(n).fill(1) });
    const out = join(dir, 'X.npy');
    const r = await interruptWhenTempAppears(['nifti', 'extract', run, '--mask', mask, '-o', out], dir);
    assert.ok(r.sawTemp, `the command ended before its output was written: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.match(r.err, /interrupted \(SIGINT\)/);
    assert.deepEqual(tempsIn(dir), []);
    assert.equal(existsSync(out), false);
  });

  it('ridge fit: SIGINT while the model folder is written → exit 130, no model, inputs intact', async () => {
    // 1500 targets × 1500 features: a 9-MB coefficient array, so the folder exists for a while.
    const dir = mkdtempSync(join(root, 'sigint-fit-'));
    const n = 200;
    const p = 1500;
    const x = join(dir, 'X.npy');
    const y = join(dir, 'Y.npy');
    await writeNpy(
      x,
      new Float32Array(n * p).map((_, i) => Math.sin(i * 1.3)),
      [n, p],
    );
    await writeNpy(
      y,
      new Float32Array(n * p).map((_, i) => Math.cos(i * 0.7)),
      [n, p],
    );
    const before = [readFileSync(x), readFileSync(y)];
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'precious');
    const out = join(dir, 'model');
    const r = await interruptWhenTempAppears(
      ['ridge', 'fit', '--x', x, '--y', y, '--alphas', '1,10', '--cv', '2', '-q', '--out', out],
      dir,
      'SIGINT',
      { timeoutMs: 120_000 },
    );
    assert.ok(r.sawTemp, `the command ended before its output was written: ${r.err}`);
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(tempsUnder(dir), []);
    assert.equal(existsSync(out), false);
    assert.deepEqual([readFileSync(x), readFileSync(y)], before);
    assert.equal(readFileSync(notes, 'utf8'), 'precious');
  });

  describe('embed', () => {
    const dir = mkdtempSync(join(root, 'sigint-embed-'));
    const audio = join(dir, 'audio');
    const cache = join(dir, 'cache');
    const out = join(dir, 'E.npy');
    const args = ['embed', '--audio', audio, '-o', out, '--cache', cache, '--workers', '1'];
    before(async () => {
      mkdirSync(audio);
      for (let k = 0; k < 6; k++) {
        await writeWav(
          join(audio, `c${k}.wav`),
          new Float32Array(22050 * 15).map((_, i) => 0.3 * Math.sin(i / (10 + k))),
          22050,
        );
      }
    });
    const cacheEntries = () =>
      readdirSync(cache, { recursive: true }).filter((n) => String(n).endsWith('.npy'));

    it('SIGINT while clips are being embedded → exit 130, the cache holds only complete entries', async () => {
      const r = await interruptWhen(args, () => existsSync(cache) && cacheEntries().length > 0);
      assert.ok(r.sawTemp, `the command ended before the first clip was cached: ${r.err}`);
      assert.equal(r.code, 130, r.err);
      assert.deepEqual(tempsUnder(dir), []);
      assert.equal(existsSync(out), false);
      for (const e of cacheEntries())
        assert.equal(
          readFileSync(join(cache, String(e)))
            .subarray(1, 6)
            .toString(),
          'NUMPY',
        );
    });

    it('SIGTERM while the output is written → exit 143, no output, the audio untouched', async () => {
      const r = await interruptWhenTempAppears(args, dir, 'SIGTERM');
      assert.ok(r.sawTemp, `the command ended before its output was written: ${r.err}`);
      assert.equal(r.code, 143, r.err);
      assert.deepEqual(tempsUnder(dir), []);
      assert.deepEqual(readdirSync(dir).sort(), ['audio', 'cache'], 'no output, no clip list');
      assert.equal(readdirSync(audio).length, 6);
    });
  });

  it('synth: SIGTERM during the build → exit 143, no half-built dataset', async () => {
    const dir = mkdtempSync(join(root, 'sigterm-'));
    const out = join(dir, 'twin');
    const r = await interruptWhenTempAppears(
      [
        'synth',
        '--out',
        out,
        '--subjects',
        '1',
        '--grid',
        'tiny',
        '--music',
        'tones',
        '--library',
        '0',
        '--runs',
        'task-Test_run-01',
      ],
      dir,
      'SIGTERM',
    );
    assert.ok(r.sawTemp, r.err);
    assert.equal(r.code, 143, r.err);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('many inputs', () => {
  it('nifti info reads every file and lists all the bad ones at once', async () => {
    // Only bad files, so nothing is printed into the test's own output.
    const junk = userFile('junk.nii');
    const empty = join(root, 'empty.nii');
    writeFileSync(empty, '');
    const msg = await b2mRefusal(['nifti', 'info', '--no-stats', junk, empty, join(root, 'missing.nii')]);
    assert.ok(msg);
    assert.match(msg, /3 of 3 files could not be read/);
    assert.match(msg, /empty\.nii \[sizeof_hdr\]: not a NIfTI file: only 0 bytes/);
    assert.match(msg, /junk\.nii \[sizeof_hdr\]/);
    assert.match(msg, /missing\.nii: cannot open/);
  });
});

describe('interrupted stimuli and encode leave no temporary', () => {
  it('stimuli: SIGINT while clips are written → exit 130, no clip list, GTZAN untouched', async () => {
    const dir = mkdtempSync(join(root, 'stim-int-'));
    const g = join(dir, 'gtzan');
    mkdirSync(join(g, 'pop'), { recursive: true });
    const clips = Array.from({ length: 40 }, (_, k) => ({
      id: `pop.${String(k).padStart(5, '0')}`,
      genre: 'pop',
      track: k,
      start: 0.5,
      end: 5.5,
      split: 'train',
    }));
    for (const c of clips) {
      const x = Float32Array.from({ length: 22050 * 6 }, (_, i) => 0.3 * Math.sin(i / (5 + c.track)));
      writeFileSync(join(g, 'pop', `${c.id}.au`), encodeAu16([x], 22050));
    }
    const design = join(dir, 'design.json');
    writeFileSync(design, JSON.stringify({ clips }));
    const out = join(dir, 'stim');
    const r = await interruptWhen(
      ['stimuli', '--gtzan', g, '--design', design, '--out', out],
      () => tempsUnder(out).length > 0,
    );
    assert.ok(r.sawTemp, r.err);
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(tempsUnder(dir), []);
    assert.ok(!existsSync(join(out, 'stimuli.json')), 'no clip list for a half-cut set');
    assert.equal(readdirSync(join(g, 'pop')).length, 40);
  });

  it('encode: SIGINT while the model is streamed → exit 130, no summary, the dataset untouched', async () => {
    const dir = mkdtempSync(join(root, 'enc-int-'));
    const dataset = join(dir, 'twin');
    await synthesizeDataset({
      out: dataset,
      seed: 0,
      subjects: 1,
      grid: 'tiny',
      music: 'tones',
      runs: ['task-Training_run-01', 'task-Training_run-02', 'task-Test_run-01'],
      libraryPerGenre: 0,
      layout: 'fmriprep',
    });
    const before = listAll(dataset);
    const out = join(dir, 'enc');
    const r = await interruptWhen(
      ['encode', '--dataset', dataset, '--subject', 'sub-001', '--features', 'genre', '--out', out],
      () => tempsUnder(out).length > 0,
      'SIGINT',
      { env: { B2M_CACHE_DIR: join(dir, 'cache') } },
    );
    assert.ok(r.sawTemp, r.err);
    assert.equal(r.code, 130, r.err);
    assert.deepEqual(tempsUnder(dir), []);
    assert.ok(
      !existsSync(join(out, 'encoding', 'sub-001', 'encoding.json')),
      'no summary of a half-written encoding',
    );
    assert.deepEqual(listAll(dataset), before);
  });
});

/** Every file under `d` with its size, sorted. */
function listAll(d: string): string[] {
  return (readdirSync(d, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((e) => e.isFile())
    .map((e) => {
      const p = join(e.parentPath, e.name);
      return `${p}:${readFileSync(p).length}`;
    })
    .sort();
}
