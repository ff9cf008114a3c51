/**
 * End to end on a constructed BIDS dataset (3 training runs, 1 test run that plays
 * 12 clips 4 times after a priming event, a 4 × 3 × 2 grid): half the voxels carry a
 * planted response to known clip features (lags 2–3 scans), half carry noise only.
 * The truth is built here independently of the encoding code.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { affinesClose, readNifti, readNiftiHeader, writeNifti } from '../io/nifti/index.js';
import { readNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { assertSameOutputs } from '../testing/same-outputs.js';
import { Rng } from '../util/rng.js';
import { encodeSubjectFromChunks, encodingSpaceNames, fitEncodingChunk, voxelChunks } from './chunks.js';
import { encodeSubject } from './encode.js';
import { loadEncodingModel, predictBrainResponse } from './model.js';
import { type ClipFeatures, resolveFeatureSpaces } from './spaces.js';

const TR = 1.5;
const DIMS = [4, 3, 2] as const;
const V = DIMS[0] * DIMS[1] * DIMS[2];
const PLANTED = 12;
const GENRES = ['blues', 'jazz', 'rock'];
const AFFINE = [
  [3, 0, 0, -6],
  [0, 3, 0, -4],
  [0, 0, 3, -3],
  [0, 0, 0, 1],
];

function gauss(rng: Rng): number {
  const u = Math.max(rng.uniform(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

interface Ev {
  clip: string;
}

describe('encodeSubject on a constructed dataset with a planted response', () => {
  let dir: string;
  let root: string;
  let maskPath: string;
  const rng = new Rng(42);
  const feats = new Map<string, number[]>();
  const W = Array.from({ length: PLANTED }, () => [gauss(rng), gauss(rng), gauss(rng)]);
  const runs: Array<{ task: string; run: number; events: Ev[]; nScans: number }> = [];
  const clipId = (g: string, t: number) => `${g}.${String(t).padStart(5, '0')}`;
  /** Raw features of the clip heard at each scan (0 in silence). */
  const scanRaw = (events: Ev[], nScans: number) =>
    Array.from({ length: nScans }, (_, k) => {
      const e = events[Math.floor((k * TR + TR / 2) / 15)];
      return e ? (feats.get(e.clip) as number[]) : [0, 0, 0];
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'b2m-encode-test-'));
    root = join(dir, 'ds');
    mkdirSync(join(root, 'sub-01', 'func'), { recursive: true });
    writeFileSync(join(root, 'dataset_description.json'), '{"Name": "encode test", "BIDSVersion": "1.8.0"}');
    let track = 0;
    const newClip = () => {
      const id = clipId(GENRES[track % 3] as string, track);
      track++;
      feats.set(id, [gauss(rng), gauss(rng), gauss(rng)]);
      return id;
    };
    const train: Ev[][] = [];
    for (let r = 0; r < 3; r++) {
      const clips = Array.from({ length: 8 }, newClip);
      train.push(clips.map((clip) => ({ clip })));
    }
    for (let r = 0; r < 3; r++) {
      const prevLast = (train[(r + 2) % 3] as Ev[]).at(-1)!.clip;
      const events = [{ clip: prevLast }, ...(train[r] as Ev[])];
      runs.push({ task: 'Training', run: r + 1, events, nScans: events.length * 10 + 4 });
    }
    const testClips = Array.from({ length: 12 }, newClip);
    const testEvents = [{ clip: testClips[11] as string }];
    for (let rep = 0; rep < 4; rep++) for (const clip of testClips) testEvents.push({ clip });
    runs.push({ task: 'Test', run: 1, events: testEvents, nScans: testEvents.length * 10 });

    for (const run of runs) {
      const base = join(root, 'sub-01', 'func', `sub-01_task-${run.task}_run-0${run.run}`);
      writeFileSync(
        `${base}_events.tsv`,
        `onset\tduration\tgenre\ttrack\tstart\tend\n${run.events
          .map((e, i) => {
            const [g, t] = e.clip.split('.');
            return `${i * 15}\t15\t${g}\t${Number(t)}\t0\t15`;
          })
          .join('\n')}\n`,
      );
      writeFileSync(`${base}_bold.json`, JSON.stringify({ RepetitionTime: TR, TaskName: run.task }));
      const raw = scanRaw(run.events, run.nScans);
      const data = new Float32Array(V * run.nScans);
      for (let k = 0; k < run.nScans; k++) {
        for (let v = 0; v < V; v++) {
          let s = 0;
          if (v < PLANTED) {
            for (const [lag, h] of [
              [2, 0.6],
              [3, 0.4],
            ] as const) {
              const f = k - lag >= 0 ? (raw[k - lag] as number[]) : [0, 0, 0];
              const w = W[v] as number[];
              s += h * (f[0]! * w[0]! + f[1]! * w[1]! + f[2]! * w[2]!);
            }
          }
          data[k * V + v] = 1000 + 10 * s + 8 * gauss(rng);
        }
      }
      await writeNifti(`${base}_bold.nii.gz`, {
        header: { dims: [...DIMS, run.nScans], affine: AFFINE, pixdim: [1, 3, 3, 3, TR, 0, 0, 0] },
        data,
      });
    }
    maskPath = join(dir, 'mask.nii.gz');
    await writeNifti(maskPath, {
      header: { dims: [...DIMS], affine: AFFINE },
      data: new Uint8Array(V).fill(1),
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** Clip features in design order (the design lists training clips, then test clips, in order of presentation). */
  function designFeatures(): ClipFeatures {
    const order: string[] = [];
    for (const r of runs) for (const e of r.events.slice(1)) if (!order.includes(e.clip)) order.push(e.clip);
    return {
      kind: 'clip',
      dim: 3,
      perClip: order.map((id) => new Matrix(1, 3, Float32Array.from(feats.get(id) as number[]))),
      fingerprint: 'test-features',
    };
  }

  it('finds the planted voxels, not the others, and writes maps that overlay the mask', async () => {
    const out = join(dir, 'out');
    const s = await encodeSubject({
      dataset: root,
      subject: 'sub-01',
      features: ['dsp', 'genre'],
      outDir: out,
      clipFeatures: { dsp: designFeatures() },
      options: {
        maskPath,
        fmriCacheDir: null,
        embeddingCacheDir: null,
        permutations: 500,
        delays: [1, 2, 3, 4],
      },
    });
    const dsp = s.spaces.find((x) => x.name === 'dsp')!;
    const r = await readNifti(join(out, dsp.files.r as string), { as: 'float64' });
    const sig = await readNifti(join(out, dsp.files.significant as string), { as: 'float64' });
    const rp = Array.from(r.data as Float64Array).slice(0, PLANTED);
    const sp = Array.from(sig.data as Float64Array);
    assert.ok(rp.filter((x) => x > 0.5).length >= 10, `planted r: ${rp.map((x) => x.toFixed(2)).join(' ')}`);
    assert.ok(sp.slice(0, PLANTED).filter((x) => x > 0).length >= 10);
    assert.ok(sp.slice(PLANTED).filter((x) => x > 0).length <= 1, 'null voxels marked significant');
    // Every map carries the mask's geometry.
    const mh = await readNiftiHeader(maskPath);
    assert.ok(affinesClose(r.header.affine, mh.affine, 1e-5));
    assert.deepEqual(r.header.dims.slice(0, 3), [...DIMS]);
    // The preferred-space map names dsp where it wins; its label table exists.
    assert.ok(existsSync(join(out, s.preferred.labels)));
    assert.ok(readFileSync(join(out, s.preferred.labels), 'utf8').includes('1\tdsp'));
    const summary = JSON.parse(readFileSync(join(out, 'encoding.json'), 'utf8'));
    assert.equal(summary.spaces.length, 2);
    assert.equal(summary.design.repetitions, 4);
    assert.ok(
      summary.notes.some((n: string) => /dseg/.test(n)),
      'ROI tables skipped without a dseg',
    );
    assert.equal(summary.noiseCeiling.files.ceiling, 'sub-01_stat-ceiling_statmap.nii.gz');
    // dsp carries the planted response, genre does not: the paired test says so.
    const cmp = summary.comparisons[0];
    assert.equal(`${cmp.a} vs ${cmp.b}`, 'dsp vs genre');
    assert.ok(cmp.aBetter >= 4 && cmp.bBetter === 0, `dsp better in ${cmp.aBetter}, genre in ${cmp.bBetter}`);
    assert.ok(existsSync(join(out, cmp.files.dr)));

    // The saved model predicts the planted response from raw scan features.
    const model = await loadEncodingModel(join(out, 'models', 'feat-dsp'));
    assert.deepEqual(model.delays, [1, 2, 3, 4]);
    const run = runs[0]!;
    const raw = scanRaw(run.events, run.nScans);
    const F = new Matrix(run.nScans, 3, Float32Array.from(raw.flat()));
    const active = raw.map((_, k) => (Math.floor((k * TR + TR / 2) / 15) < run.events.length ? 1 : 0));
    const P = await predictBrainResponse(model, F, { active });
    assert.deepEqual(P.shape, [run.nScans, V]);
    let good = 0;
    for (let v = 0; v < PLANTED; v++) {
      const truth = raw.map((_, k) =>
        [2, 3].reduce((a, lag, i) => {
          const f = k - lag >= 0 ? (raw[k - lag] as number[]) : [0, 0, 0];
          const w = W[v] as number[];
          return a + [0.6, 0.4][i]! * (f[0]! * w[0]! + f[1]! * w[1]! + f[2]! * w[2]!);
        }, 0),
      );
      // Columns follow the mask's voxel order (nilearn's), not grid offsets.
      const col = model.voxels.indexOf(v);
      const pv = Array.from({ length: run.nScans }, (_, k) => P.data[k * V + col] as number);
      if (corr(truth, pv) > 0.8) good++;
    }
    assert.ok(good >= 10, `${good}/${PLANTED} planted voxels predicted with r > 0.8`);
    await assert.rejects(
      predictBrainResponse(model, new Matrix(2, 4, new Float32Array(8))),
      /features have 4 columns but the dsp model needs 3/,
    );

    // Test time courses: no atlas here, so every masked voxel is kept (24 ≤ the cap).
    const tc = summary.timecourses;
    assert.deepEqual(tc.selection, { from: 'masked', rule: 'all', candidates: V, cap: 2000 });
    assert.equal(tc.space, 'dsp', 'the space with the most significant voxels');
    const T = 12 * 10; // one repetition: 12 clips of 10 scans
    const vox = await readNpy(join(out, tc.voxels));
    const meas = await readNpy(join(out, tc.measured));
    assert.deepEqual(vox.shape, [V]);
    assert.deepEqual(meas.shape, [T, V]);
    assert.ok(meas.data instanceof Float32Array);
    const preds: Record<string, Float32Array> = {};
    for (const sp of ['dsp', 'genre']) {
      const a = await readNpy(join(out, tc.predictedBySpace[sp]));
      assert.deepEqual(a.shape, [T, V], sp);
      preds[sp] = a.data as Float32Array;
    }
    assert.equal(tc.predicted, tc.predictedBySpace.dsp);
    // The saved prediction of voxel 0 is the model's prediction of the test run, averaged
    // over its 4 repetitions (they start after the 10-scan priming event, 120 scans apart).
    const test = runs[3]!;
    const rawT = scanRaw(test.events, test.nScans);
    const PT = await predictBrainResponse(model, new Matrix(test.nScans, 3, Float32Array.from(rawT.flat())));
    const mcol = model.voxels.indexOf(0);
    const tcol = Array.from(vox.data as Int32Array).indexOf(0);
    for (let t = 0; t < T; t++) {
      let avg = 0;
      for (let rep = 0; rep < 4; rep++) avg += PT.data[(10 + rep * T + t) * V + mcol] as number;
      avg /= 4;
      const got = preds.dsp![t * V + tcol] as number;
      assert.ok(Math.abs(got - avg) < 1e-4 * (1 + Math.abs(avg)), `t=${t}: saved ${got}, model ${avg}`);
    }
    // Scored from the saved pair, every voxel's r is the r map's value.
    for (let c = 0; c < V; c++) {
      const m = Array.from({ length: T }, (_, t) => meas.data[t * V + c] as number);
      const p = Array.from({ length: T }, (_, t) => preds.dsp![t * V + c] as number);
      const off = (vox.data as Int32Array)[c] as number;
      assert.ok(Math.abs(corr(m, p) - (r.data[off] as number)) < 1e-4, `voxel ${off}`);
    }
  });

  it('fits a banded model over dsp and genre and partitions R² into unique and shared maps', async () => {
    const out = join(dir, 'banded');
    const s = await encodeSubject({
      dataset: root,
      subject: 'sub-01',
      features: ['dsp', 'genre'],
      outDir: out,
      clipFeatures: { dsp: designFeatures() },
      options: { maskPath, fmriCacheDir: join(dir, 'cache'), permutations: 200, banded: true, bandedIter: 6 },
    });
    assert.deepEqual(
      s.spaces.map((x) => x.name),
      ['dsp', 'genre', 'banded(dsp,genre)'],
    );
    const joint = s.spaces[2]!;
    assert.deepEqual(joint.banded?.members, ['dsp', 'genre']);
    assert.ok(existsSync(join(out, joint.files['gamma:dsp'] as string)));
    const p = s.partition!;
    assert.equal(p.files.unique.dsp, 'sub-01_feat-dsp_desc-unique_stat-r2_statmap.nii.gz');
    assert.equal(p.files.shared, 'sub-01_feat-bandeddspgenre_desc-shared_stat-r2_statmap.nii.gz');
    const uDsp = (await readNifti(join(out, p.files.unique.dsp as string), { as: 'float64' })).data;
    const uGenre = (await readNifti(join(out, p.files.unique.genre as string), { as: 'float64' })).data;
    const gDsp = (await readNifti(join(out, joint.files['gamma:dsp'] as string), { as: 'float64' })).data;
    // The planted voxels respond to dsp only: its unique part is large, genre's is not,
    // and the search puts most kernel weight on dsp.
    let dspWins = 0;
    let dspWeighted = 0;
    for (let v = 0; v < PLANTED; v++) {
      if ((uDsp[v] as number) > 0.1 && (uDsp[v] as number) > (uGenre[v] as number) + 0.1) dspWins++;
      if ((gDsp[v] as number) > 0.5) dspWeighted++;
    }
    assert.ok(dspWins >= 10, `dsp unique part dominates in ${dspWins}/${PLANTED} planted voxels`);
    assert.ok(dspWeighted >= 10, `γ_dsp > 0.5 in ${dspWeighted}/${PLANTED} planted voxels`);
    // The banded model is not a candidate of the preferred-space map.
    assert.ok(!readFileSync(join(out, s.preferred.labels), 'utf8').includes('banded'));
    // Its saved model predicts from the stacked parts and carries the kernel weights.
    const model = await loadEncodingModel(join(out, 'models', 'feat-bandeddspgenre'));
    assert.deepEqual(
      model.parts.map((x) => x.name),
      ['dsp', 'genre'],
    );
    assert.ok(existsSync(join(out, 'models', 'feat-bandeddspgenre', 'gammas.npy')));
    const summary = JSON.parse(readFileSync(join(out, 'encoding.json'), 'utf8'));
    assert.deepEqual(summary.partition.without, ['genre', 'dsp']);
    assert.ok(summary.comparisons.some((c: { b: string }) => c.b === 'banded(dsp,genre)'));
  });

  it('refuses --banded with one space or with spaces sharing a part', async () => {
    const run = (features: string[]) =>
      encodeSubject({
        dataset: root,
        subject: 'sub-01',
        features,
        outDir: join(dir, 'bad-banded'),
        clipFeatures: { dsp: designFeatures() },
        options: { maskPath, fmriCacheDir: null, permutations: 10, banded: true },
      });
    await assert.rejects(run(['dsp']), /banded ridge needs at least two feature spaces/);
    await assert.rejects(run(['dsp', 'dsp+genre']), /"dsp" is part of both "dsp" and "dsp\+genre"/);
  });

  it('gives the same results whatever the voxel batch size', async () => {
    const run = (maxVoxelBatch: number, out: string) =>
      encodeSubject({
        dataset: root,
        subject: 'sub-01',
        features: ['dsp'],
        outDir: join(dir, out),
        saveModels: false,
        clipFeatures: { dsp: designFeatures() },
        options: {
          maskPath,
          fmriCacheDir: join(dir, 'cache'),
          permutations: 200,
          maxVoxelBatch,
          timecourseVoxels: 5,
        },
      });
    const one = await run(1000, 'b1');
    const many = await run(5, 'b5');
    assert.equal(one.batches.count, 1);
    assert.equal(many.batches.count, 5);
    // Under a cap, the kept time courses are the best-r voxels, whatever the batches.
    assert.deepEqual(one.timecourses?.selection, { from: 'masked', rule: 'top-r', candidates: V, cap: 5 });
    const kept = async (d: string, f: string) =>
      Array.from((await readNpy(join(dir, d, f))).data as ArrayLike<number>);
    const k1 = await kept('b1', one.timecourses!.voxels);
    assert.deepEqual(k1, await kept('b5', many.timecourses!.voxels));
    const rMap = await readNifti(join(dir, 'b1', one.spaces[0]!.files.r as string), { as: 'float64' });
    const top = Array.from(rMap.data as Float64Array)
      .map((x, i) => [x, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 5)
      .map(([, i]) => i)
      .sort((a, b) => a - b);
    // (voxels.npy follows the mask's column order, not grid order.)
    assert.deepEqual(
      [...k1].sort((a, b) => a - b),
      top,
    );
    assert.deepEqual(
      await kept('b1', one.timecourses!.measured),
      await kept('b5', many.timecourses!.measured),
    );
    for (const f of ['r', 'logp', 'alpha'] as const) {
      const a = await readNifti(join(dir, 'b1', one.spaces[0]!.files[f] as string), { as: 'float64' });
      const b = await readNifti(join(dir, 'b5', many.spaces[0]!.files[f] as string), { as: 'float64' });
      for (let i = 0; i < a.data.length; i++) {
        assert.ok(Math.abs((a.data[i] as number) - (b.data[i] as number)) < 1e-5, `${f}[${i}]`);
      }
    }
  });

  it('still finds the planted voxels with global-signal regression', async () => {
    // Regressing the global mean out must leave the planted voxels detectable.
    const s = await encodeSubject({
      dataset: root,
      subject: 'sub-01',
      features: ['dsp'],
      outDir: join(dir, 'gsr'),
      saveModels: false,
      clipFeatures: { dsp: designFeatures() },
      options: { maskPath, fmriCacheDir: join(dir, 'cache'), permutations: 200, regressGlobal: true },
    });
    const sig = await readNifti(join(dir, 'gsr', s.spaces[0]!.files.significant as string), {
      as: 'float64',
    });
    const found = Array.from(sig.data as Float64Array)
      .slice(0, PLANTED)
      .filter((x) => x > 0).length;
    assert.ok(found >= 8, `${found} planted voxels found after global-signal regression`);
  });

  it('refuses features whose rows do not match the design, naming the space', async () => {
    const bad = designFeatures();
    bad.perClip.pop();
    await assert.rejects(
      encodeSubject({
        dataset: root,
        subject: '01',
        features: ['dsp'],
        outDir: join(dir, 'bad'),
        clipFeatures: { dsp: bad },
        options: { maskPath, fmriCacheDir: null, permutations: 10 },
      }),
      /feature space "dsp" gives 35 clips but the design has 36/,
    );
  });

  it('refuses a mask of another grid, naming the image', async () => {
    const other = join(dir, 'other-mask.nii.gz');
    await writeNifti(other, {
      header: { dims: [5, 3, 2], affine: AFFINE },
      data: new Uint8Array(30).fill(1),
    });
    await assert.rejects(
      encodeSubject({
        dataset: root,
        subject: '01',
        features: ['genre'],
        outDir: join(dir, 'bad2'),
        options: { maskPath: other, fmriCacheDir: null, permutations: 10 },
      }),
      /image grid 4×3×2 does not match the mask's grid 5×3×2/,
    );
  });

  it('chunked (space × voxel range, then a merge): one chunk per space gives the same bytes, several the same maps', async () => {
    // Banded too, so kernel weights, unique variance and the comparisons go through the merge.
    const features = ['dsp', 'genre'];
    const options = {
      maskPath,
      fmriCacheDir: join(dir, 'cache'),
      permutations: 200,
      banded: true,
      bandedIter: 4,
      timecourseVoxels: 5,
    };
    const clipFeatures = { dsp: designFeatures() };
    const inProcess = (out: string, maxVoxelBatch?: number) =>
      encodeSubject({
        dataset: root,
        subject: 'sub-01',
        features,
        outDir: join(dir, out),
        clipFeatures,
        options: { ...options, maxVoxelBatch },
      });
    const chunked = async (out: string, chunkVoxels: number) => {
      const dirs: string[] = [];
      // Chunks in reverse order: the merge must not depend on the order they come in.
      for (const space of encodingSpaceNames(features, true).reverse()) {
        for (const voxels of voxelChunks(V, chunkVoxels).reverse()) {
          const d = join(dir, out, 'chunks', `${space}-${voxels[0]}`);
          const m = await fitEncodingChunk({
            dataset: root,
            subject: 'sub-01',
            features,
            clipFeatures,
            options,
            space,
            voxels,
            dir: d,
          });
          assert.deepEqual([m.space, m.v0, m.v1], [space, ...voxels]);
          dirs.push(d);
        }
      }
      return encodeSubjectFromChunks({
        dataset: root,
        subject: 'sub-01',
        features,
        options,
        chunks: dirs,
        outDir: join(dir, out, 'enc'),
      });
    };
    await inProcess('inproc');
    await chunked('one-chunk', V);
    assertSameOutputs(join(dir, 'inproc'), join(dir, 'one-chunk', 'enc'));
    // Five ranges of ≤ 5 voxels: the same bytes as the in-process fit in batches of 5 …
    const many = await chunked('five-chunks', 5);
    assert.equal(many.batches.count, 5);
    await inProcess('inproc-b5', 5);
    assertSameOutputs(join(dir, 'inproc-b5'), join(dir, 'five-chunks', 'enc'));
    // … and as the in-process fit in one batch: only the batch record in encoding.json differs.
    assertSameOutputs(join(dir, 'inproc'), join(dir, 'five-chunks', 'enc'), { ignore: ['batches'] });
  });

  it('voxelChunks: ranges of whole 512-voxel grid blocks from 512 voxels up', () => {
    assert.deepEqual(voxelChunks(12, 5), [
      [0, 5],
      [5, 10],
      [10, 12],
    ]);
    assert.deepEqual(voxelChunks(2000, 1000), [
      [0, 512],
      [512, 1024],
      [1024, 1536],
      [1536, 2000],
    ]);
    assert.deepEqual(voxelChunks(1500, 20_000), [[0, 1500]]);
  });

  it('the merge refuses chunks that do not tile the mask', async () => {
    const options = { maskPath, fmriCacheDir: join(dir, 'cache'), permutations: 20 };
    const d = join(dir, 'gap', 'dsp-0');
    await fitEncodingChunk({
      dataset: root,
      subject: 'sub-01',
      features: ['dsp'],
      clipFeatures: { dsp: designFeatures() },
      options,
      space: 'dsp',
      voxels: [0, 10],
      dir: d,
    });
    await assert.rejects(
      encodeSubjectFromChunks({
        dataset: root,
        subject: 'sub-01',
        features: ['dsp'],
        options,
        chunks: [d],
        outDir: join(dir, 'gap', 'enc'),
      }),
      /encoding chunks of dsp for sub-01 end at voxel 10 of 24/,
    );
    await assert.rejects(
      fitEncodingChunk({
        dataset: root,
        subject: 'sub-01',
        features: ['dsp'],
        clipFeatures: { dsp: designFeatures() },
        options,
        space: 'dsp',
        voxels: [20, 30],
        dir: join(dir, 'gap', 'bad'),
      }),
      /voxels \[20, 30\) are not a range of the 24-voxel mask/,
    );
    await assert.rejects(
      fitEncodingChunk({
        dataset: root,
        subject: 'sub-01',
        features: ['dsp'],
        options,
        space: 'genre',
        voxels: [0, 5],
        dir: join(dir, 'gap', 'bad'),
      }),
      /no space "genre" among dsp/,
    );
  });

  it('names the nearest valid space for an unknown one', () => {
    assert.throws(
      () => resolveFeatureSpaces(['dps']),
      (e: Error & { hint?: string }) =>
        /unknown feature space "dps"/.test(e.message) && /'dsp'/.test(e.hint ?? ''),
    );
    assert.throws(() => resolveFeatureSpaces(['dsp+genr']), /unknown feature space "genr" in "dsp\+genr"/);
    assert.deepEqual(resolveFeatureSpaces(['dsp+genre'])[0]!.parts, ['dsp', 'genre']);
  });
});

function corr(a: number[], b: number[]): number {
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
