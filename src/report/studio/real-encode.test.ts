/**
 * The studio over a REAL encoding output (not the report fixture): a tiny synthetic
 * twin (1 subject, 2 training runs + 1 test run, tone music, 12-mm grid) encoded by
 * `encodeSubject` straight into a run folder (`genre` only: audio spaces would embed
 * every clip, tripling the time, and the studio treats every space alike). Every cortical voxel clicked anywhere
 * inside it gets its atlas name; a point outside the atlas says so; a kept voxel
 * returns its measured and predicted test time course, per space, equal to the
 * stage's files and scoring to the r map's value.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeSubject } from '../../encode/index.js';
import { type NiftiImage, readNifti } from '../../io/nifti/index.js';
import { readNpy } from '../../io/npy.js';
import { synthesizeDataset } from '../../synth/index.js';
import { RUN_MARKER_FILE } from '../run-data.js';
import { type Studio, startStudio } from './server.js';
import type { VoxelInfo } from './voxel.js';

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** World mm of grid point (i, j, k) (fractional allowed) through the image's affine. */
function world(img: NiftiImage, i: number, j: number, k: number): [number, number, number] {
  const A = img.header.affine;
  return [0, 1, 2].map((r) => A[r]![0]! * i + A[r]![1]! * j + A[r]![2]! * k + A[r]![3]!) as [
    number,
    number,
    number,
  ];
}

describe('studio on a real encoding output (tiny twin)', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-studio-real-'));
  const dataset = join(base, 'twin');
  const run = join(base, 'run');
  const encDir = join(run, 'encoding', 'sub-001');
  const anat = join(dataset, 'derivatives', 'fmriprep', 'sub-001', 'anat');
  const dsegPath = join(anat, 'sub-001_space-T1w_desc-aparc.a2009s_dseg');
  let studio: Studio;
  let summary: Awaited<ReturnType<typeof encodeSubject>>;
  let dseg: NiftiImage;
  let mask: NiftiImage;
  const voxel = async (x: number, y: number, z: number, space?: string): Promise<VoxelInfo> => {
    const q = new URLSearchParams({ subject: 'sub-001', x: String(x), y: String(y), z: String(z) });
    if (space) q.set('space', space);
    const r = await get(studio.port, `/api/voxel?${q}`);
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body) as VoxelInfo;
  };

  before(async () => {
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
    mkdirSync(encDir, { recursive: true });
    writeFileSync(join(run, RUN_MARKER_FILE), JSON.stringify({ tool: 'brain2music', kind: 'run' }));
    summary = await encodeSubject({
      dataset,
      subject: 'sub-001',
      features: ['genre'],
      outDir: encDir,
      saveModels: false,
      options: { permutations: 50, fmriCacheDir: null, embeddingCacheDir: null },
    });
    dseg = await readNifti(`${dsegPath}.nii.gz`, { as: 'float64' });
    mask = await readNifti(
      join(
        dataset,
        'derivatives',
        'fmriprep',
        'sub-001',
        'func',
        'sub-001_task-Test_run-01_space-T1w_desc-brain_mask.nii.gz',
      ),
      { as: 'float64' },
    );
    const webDir = join(base, 'web');
    mkdirSync(webDir);
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>studio</title>');
    writeFileSync(join(webDir, 'app.js'), 'export {};');
    writeFileSync(join(webDir, 'app.css'), 'body{}');
    studio = await startStudio({ runDir: run, port: 0, webDir });
  });
  after(async () => {
    await studio?.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('names the ROI of every cortical voxel, wherever inside the voxel the click lands', async () => {
    // The label table, read here on its own: index → name.
    const names = new Map(
      readFileSync(`${dsegPath}.tsv`, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t'))
        .map(([i, n]) => [Number(i), n as string]),
    );
    const [nx, ny] = dseg.header.dims as [number, number];
    let cortical = 0;
    for (let v = 0; v < dseg.data.length; v++) {
      const label = dseg.data[v] as number;
      if (!mask.data[v] || label < 11100) continue;
      cortical++;
      const [i, j, k] = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
      // The centre, and a point near a corner (a click rarely lands on the centre).
      const d = ((v * 7919) % 9) / 10 - 0.4;
      for (const p of [world(dseg, i, j, k), world(dseg, i + d, j - d, k + 0.45)]) {
        const info = await voxel(...p);
        assert.equal(info.roi, names.get(label), `voxel ${i},${j},${k} (label ${label}) at ${p}`);
      }
    }
    assert.ok(cortical > 100, `${cortical} cortical voxels`);
    // Outside the brain: no label, and the answer says the atlas is there.
    const out = await voxel(...world(dseg, 0, 0, 0));
    assert.equal(out.roi, null);
    assert.equal(out.atlas, true);
  });

  it('returns the measured and predicted test time course of a clicked voxel', async () => {
    const tc = summary.timecourses!;
    assert.equal(tc.selection.from, 'cortical');
    const vox = Array.from((await readNpy(join(encDir, tc.voxels))).data as Int32Array);
    const meas = await readNpy(join(encDir, tc.measured));
    const [T, n] = meas.shape as [number, number];
    assert.equal(n, vox.length);
    assert.equal(T, summary.design.testScans);
    // Every kept voxel is cortical in the atlas.
    for (const off of vox) assert.ok((dseg.data[off] as number) >= 11100, `voxel ${off}`);
    const [nx, ny] = dseg.header.dims as [number, number];
    const c = vox.length >> 1;
    const off = vox[c]!;
    const p = world(dseg, off % nx, Math.floor(off / nx) % ny, Math.floor(off / (nx * ny)));
    // `space` picks the prediction; an unknown one falls back to the summary's default.
    for (const space of ['genre', 'no-such-space']) {
      const info = await voxel(...p, space);
      assert.ok(info.timecourse, 'a kept voxel has a time course');
      assert.ok(['none', 'genre'].includes(info.preferred ?? ''), `preferred ${info.preferred}`);
      assert.equal(info.timecourse.space, 'genre');
      const pred = await readNpy(join(encDir, tc.predictedBySpace.genre!));
      for (let t = 0; t < T; t++) {
        assert.equal(info.timecourse.measured[t], meas.data[t * n + c]);
        assert.equal(info.timecourse.predicted[t], pred.data[t * n + c]);
      }
      const r = pearson(info.timecourse.measured, info.timecourse.predicted);
      assert.ok(Math.abs(r - (info.r.genre as number)) < 1e-4, `r ${r} vs map ${info.r.genre}`);
    }
  });
});

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
