import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findPython } from '../../bench/lib/python.js';
import { decodeAudioFile, toMono } from '../audio/decode.js';
import { readNifti } from '../io/nifti/index.js';
import { hashFile } from '../util/hash.js';
import { GRIDS, gridAffine } from './brain/grid.js';
import { DS003720_DIR, realDesign, synthesizeDataset } from './index.js';
import { sourceTrackPath } from './music-sources.js';

const RUN = 'task-Test_run-01';
const tiny = { subjects: 1, grid: 'tiny', music: 'tones', runs: [RUN], libraryPerGenre: 0 };

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out;
}

describe('synthesizeDataset (tiny twin: 1 subject, tiny grid, one test run, tone stand-in music)', () => {
  let base: string;
  let a: string;
  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'b2m-synth-test-'));
    a = join(base, 'a');
    await synthesizeDataset({ ...tiny, out: a, seed: 0 });
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  it('is deterministic: the same seed gives identical bytes, another seed other data', async () => {
    const b = join(base, 'b');
    await synthesizeDataset({ ...tiny, out: b, seed: 0 });
    const files = listFiles(a);
    assert.deepEqual(listFiles(b), files);
    for (const f of files) assert.equal(await hashFile(join(b, f)), await hashFile(join(a, f)), f);
    const c = join(base, 'c');
    await synthesizeDataset({ ...tiny, out: c, seed: 1 });
    const bold = `sub-001/func/sub-001_${RUN}_bold.nii.gz`;
    assert.notEqual(await hashFile(join(c, bold)), await hashFile(join(a, bold)));
    rmSync(b, { recursive: true });
    rmSync(c, { recursive: true });
  });

  it('builds subjects on worker threads with the bytes of building them one by one', async () => {
    const multi = { ...tiny, subjects: 3, seed: 0 };
    const one = join(base, 'one-thread');
    const two = join(base, 'two-threads');
    await synthesizeDataset({ ...multi, out: one, threads: 1 });
    await synthesizeDataset({ ...multi, out: two, threads: 2 });
    const files = listFiles(one);
    assert.ok(files.includes(`sub-003/func/sub-003_${RUN}_bold.nii.gz`));
    assert.deepEqual(listFiles(two), files);
    for (const f of files) assert.equal(await hashFile(join(two, f)), await hashFile(join(one, f)), f);
    rmSync(one, { recursive: true });
    rmSync(two, { recursive: true });
  });

  it('writes the BIDS layout with the real events and sidecars byte for byte', () => {
    const files = new Set(listFiles(a));
    for (const f of [
      'dataset_description.json',
      'README',
      'CHANGES',
      'participants.tsv',
      `sub-001/func/sub-001_${RUN}_bold.nii.gz`,
      `derivatives/fmriprep/sub-001/func/sub-001_${RUN}_space-T1w_desc-preproc_bold.nii.gz`,
      `derivatives/fmriprep/sub-001/func/sub-001_${RUN}_space-T1w_desc-brain_mask.nii.gz`,
      'derivatives/fmriprep/sub-001/anat/sub-001_space-T1w_desc-aparc.a2009s_dseg.nii.gz',
      'derivatives/fmriprep/sub-001/anat/sub-001_space-T1w_desc-aparc.a2009s_dseg.tsv',
      'derivatives/simulation/sub-001/sub-001_space-T1w_desc-noiseceiling_statmap.nii.gz',
      `derivatives/simulation/features/${RUN}_features.tsv`,
    ]) {
      assert.ok(files.has(f), `missing ${f}`);
    }
    for (const ext of ['events.tsv', 'bold.json']) {
      const name = `sub-001_${RUN}_${ext}`;
      assert.deepEqual(
        readFileSync(join(a, 'sub-001', 'func', name)),
        readFileSync(join(DS003720_DIR, 'sub-001', 'func', name)),
      );
    }
    assert.equal([...files].filter((f) => f.includes('.tmp-')).length, 0, 'no temporary files left');
    assert.equal(readdirSync(base).filter((f) => f.includes('.tmp-')).length, 0, 'no temporary folder left');
  });

  it('cuts every stimulus to its events excerpt, 15 s at 22,050 Hz, without clipping', async () => {
    const design = realDesign();
    const run = design.runs.find((r) => r.key === RUN)!;
    const ids = new Set([...run.events, ...run.dropped].map((e) => e.clipId));
    const stimuli = readdirSync(join(a, 'stimuli')).filter((f) => f.endsWith('.wav'));
    assert.deepEqual(stimuli.sort(), [...ids].map((id) => `${id}.wav`).sort());
    for (const id of ids) {
      const clip = design.clips.find((c) => c.id === id)!;
      const stim = await decodeAudioFile(join(a, 'stimuli', `${id}.wav`));
      const src = await decodeAudioFile(sourceTrackPath(a, clip));
      assert.equal(stim.sampleRate, 22050);
      const x = toMono(stim);
      const s = toMono(src);
      assert.equal(x.length, Math.round((clip.end - clip.start) * 22050));
      let peak = 0;
      for (const v of x) peak = Math.max(peak, Math.abs(v));
      assert.ok(peak <= 0.9991, `${id} peak ${peak}`);
      // Between the fades the stimulus is the source excerpt times one gain (RMS normalisation).
      const i0 = Math.round(clip.start * 22050);
      let num = 0;
      let den = 0;
      let xx = 0;
      for (let i = 3 * 22050; i < 12 * 22050; i++) {
        num += x[i]! * s[i0 + i]!;
        den += s[i0 + i]! ** 2;
        xx += x[i]! ** 2;
      }
      const r = num / Math.sqrt(den * xx);
      assert.ok(r > 0.9999, `${id}: stimulus vs source excerpt r = ${r}`);
      // Fades: silent at both ends.
      assert.ok(Math.abs(x[0]!) < 1e-3 && Math.abs(x[x.length - 1]!) < 2e-3);
    }
  });

  it('opens in nibabel with the right shapes, dtypes, affines and values', async (t) => {
    const py = findPython(['nibabel', 'numpy']);
    if (!py) return t.skip('no Python with nibabel');
    const rel = [
      `sub-001/func/sub-001_${RUN}_bold.nii.gz`,
      `derivatives/fmriprep/sub-001/func/sub-001_${RUN}_space-T1w_desc-preproc_bold.nii.gz`,
      `derivatives/fmriprep/sub-001/func/sub-001_${RUN}_space-T1w_desc-brain_mask.nii.gz`,
      'derivatives/fmriprep/sub-001/anat/sub-001_space-T1w_desc-aparc.a2009s_dseg.nii.gz',
      'derivatives/simulation/sub-001/sub-001_space-T1w_desc-trueev_statmap.nii.gz',
    ];
    const script = `
import json, sys, nibabel as nib, numpy as np
out = []
for p in sys.argv[1:]:
    img = nib.load(p)
    d = np.asanyarray(img.dataobj)
    out.append({"shape": list(img.shape), "dtype": str(img.get_data_dtype()), "affine": img.affine.tolist(),
                "zooms": [float(z) for z in img.header.get_zooms()], "sum": float(d.astype(np.float64).sum()),
                "min": float(d.min()), "max": float(d.max())})
print(json.dumps(out))`;
    const res = spawnSync(py, ['-c', script, ...rel.map((r) => join(a, r))], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    const info = JSON.parse(res.stdout) as {
      shape: number[];
      dtype: string;
      affine: number[][];
      zooms: number[];
      sum: number;
      min: number;
      max: number;
    }[];
    const g = GRIDS.tiny!;
    const A = gridAffine(g);
    for (const [i, x] of info.entries()) {
      assert.deepEqual(x.shape.slice(0, 3), [...g.dims], rel[i]);
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 4; c++)
          assert.ok(Math.abs(x.affine[r]![c]! - A[r]![c]!) < 1e-4, `${rel[i]} affine`);
    }
    assert.deepEqual(info[0]!.shape, [16, 16, 12, 410]);
    assert.equal(info[0]!.dtype, 'int16');
    assert.equal(info[1]!.dtype, 'int16');
    assert.equal(info[0]!.zooms[3], 1.5);
    assert.ok(info[1]!.min >= 0 && info[1]!.max > 300 && info[1]!.max < 3000, 'scanner-like intensities');
    assert.deepEqual([info[2]!.min, info[2]!.max], [0, 1]);
    assert.ok(info[3]!.max > 12100 && info[3]!.max <= 12175, 'Destrieux labels');
    // Our own reader agrees with nibabel on every value (same sums).
    for (const [i, r] of rel.entries()) {
      const img = await readNifti(join(a, r));
      let s = 0;
      const data = img.data as ArrayLike<number>;
      for (let k = 0; k < data.length; k++) s += data[k]!;
      assert.ok(
        Math.abs(s - info[i]!.sum) <= 1e-6 * Math.max(1, Math.abs(s)),
        `${r}: ${s} vs ${info[i]!.sum}`,
      );
    }
  });

  it('refuses to overwrite a non-empty dataset without force', async () => {
    await assert.rejects(synthesizeDataset({ ...tiny, out: a, seed: 0 }), /exists and is not empty/);
  });
});
