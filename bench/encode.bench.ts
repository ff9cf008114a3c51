/**
 * Encoding benchmark: time and peak memory per subject, and — with `--truth` —
 * recovery of the synthetic twin's ground truth (`derivatives/simulation/`).
 *
 *   node --import tsx bench/encode.bench.ts --dataset TWIN [--subjects 001,002] [--features dsp,genre]
 *        [--permutations 1000] [--truth] [--out DIR] [--max-memory-gib 3] [--regress-global]
 *
 * Each subject runs in its own child process, so the peak RSS printed is that
 * subject's alone. Truth columns, per subject (tuned = true signal variance > 0):
 *   spearman(ceiling)  Spearman between the true noise ceiling and the estimated r (best space) over tuned voxels
 *   spearman(signal)   the same with the true signal variance
 *   AUC                ROC AUC of the best space's r for tuned vs untuned voxels
 *   FPR                significant (any space) among untuned voxels, against the nominal q
 *   FDP                untuned among significant voxels (the realised false discovery proportion)
 *   HG low / STS high  share of significant voxels in Heschl's gyrus preferring a low-level space,
 *                      and along the STS preferring a high-level one
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { encodeSubject } from '../src/encode/encode.js';
import { FEATURE_SPACES } from '../src/encode/spaces.js';
import type { Masker } from '../src/fmri/masker.js';
import { subjectMask } from '../src/fmri/preprocess/source.js';
import { discoverBids } from '../src/io/bids/discover.js';
import { readNifti } from '../src/io/nifti/index.js';

const argv = process.argv.slice(2);
const arg = (name: string, def?: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : def;
};
const flag = (name: string) => argv.includes(`--${name}`);

function ranks(xs: number[]): number[] {
  const idx = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(xs.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1]![0] === idx[i]![0]) j++;
    for (let k = i; k <= j; k++) r[idx[k]![1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
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

const spearman = (a: number[], b: number[]) => pearson(ranks(a), ranks(b));

/** ROC AUC = P(score of a positive > score of a negative), ties counted half (Mann–Whitney). */
function auc(scores: number[], positive: boolean[]): number {
  const r = ranks(scores);
  let sumPos = 0;
  let nPos = 0;
  positive.forEach((p, i) => {
    if (p) {
      sumPos += r[i]!;
      nPos++;
    }
  });
  const nNeg = scores.length - nPos;
  return (sumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

async function truthAt(masker: Masker, path: string): Promise<Float64Array> {
  const img = await readNifti(path, { as: 'float64' });
  masker.checkImage(img.header);
  return Float64Array.from(masker.indices, (o) => img.data[o] as number);
}

async function readMap(dir: string, file: string, masker: Masker): Promise<Float64Array> {
  return truthAt(masker, join(dir, file));
}

async function child(): Promise<void> {
  const dataset = resolve(arg('dataset')!);
  const subject = arg('one')!;
  const out = arg('out')!;
  const features = (arg('features', 'dsp,genre') as string).split(',');
  const t0 = performance.now();
  const summary = await encodeSubject({
    dataset,
    subject,
    features,
    outDir: join(out, `sub-${subject}`),
    options: {
      permutations: Number(arg('permutations', '1000')),
      maxMemoryBytes: Number(arg('max-memory-gib', '3')) * 2 ** 30,
      fmriCacheDir: arg('fmri-cache'),
      embeddingCacheDir: arg('embedding-cache'),
      regressGlobal: flag('regress-global'),
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const row: Record<string, unknown> = {
    subject: summary.subject,
    voxels: summary.voxels,
    batches: summary.batches.count,
    seconds,
    featureSeconds: summary.seconds.features,
    fitSeconds: summary.seconds.fit,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    // CPU seconds (user + system) do not depend on how busy the machine is; wall-clock seconds do.
    cpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
    spaces: summary.spaces.map((s) => ({ name: s.name, significant: s.significant, maxR: s.maxR })),
  };
  if (flag('truth')) {
    const sim = join(dataset, 'derivatives', 'simulation', `sub-${subject}`);
    const dir = join(out, `sub-${subject}`);
    // The same voxels, in the same order, as the fit used.
    const m = await subjectMask(await discoverBids(dataset), subject);
    const base = `sub-${subject}_space-T1w_desc-`;
    const trueSignal = await truthAt(m, join(sim, `${base}truesignalvar_statmap.nii.gz`));
    const trueCeil = await truthAt(m, join(sim, `${base}noiseceiling_statmap.nii.gz`));
    const rs = await Promise.all(summary.spaces.map((s) => readMap(dir, s.files.r as string, m)));
    const sig = await Promise.all(summary.spaces.map((s) => readMap(dir, s.files.significant as string, m)));
    const pref = await readMap(dir, summary.preferred.file, m);
    const dseg = await truthAt(
      m,
      join(
        dataset,
        'derivatives',
        'fmriprep',
        `sub-${subject}`,
        'anat',
        `sub-${subject}_space-T1w_desc-aparc.a2009s_dseg.nii.gz`,
      ),
    );
    const names = new Map(
      readFileSync(
        join(
          dataset,
          'derivatives',
          'fmriprep',
          `sub-${subject}`,
          'anat',
          `sub-${subject}_space-T1w_desc-aparc.a2009s_dseg.tsv`,
        ),
        'utf8',
      )
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split('\t'))
        .map(([i, n]) => [Number(i), n as string]),
    );
    const V = m.nVoxels;
    const best = Float64Array.from({ length: V }, (_, j) => Math.max(...rs.map((r) => r[j] as number)));
    const anySig = Uint8Array.from({ length: V }, (_, j) => (sig.some((s) => s[j]! > 0) ? 1 : 0));
    const tuned = Array.from(trueSignal, (s) => s > 1e-9);
    const ti = tuned.flatMap((t, j) => (t ? [j] : []));
    const ui = tuned.flatMap((t, j) => (t ? [] : [j]));
    const levelOf = summary.spaces.map((s) => s.parts.map((p) => FEATURE_SPACES[p]!.level).join('+'));
    const share = (re: RegExp, level: string) => {
      const vox = Array.from({ length: V }, (_, j) => j).filter(
        (j) => re.test(names.get(dseg[j] as number) ?? '') && pref[j]! > 0,
      );
      const hits = vox.filter((j) => levelOf[(pref[j] as number) - 1] === level).length;
      return { share: vox.length ? hits / vox.length : Number.NaN, n: vox.length };
    };
    const nSig = anySig.reduce((a, b) => a + b, 0);
    const falsePos = ui.filter((j) => anySig[j]).length;
    row.truth = {
      tuned: ti.length,
      untuned: ui.length,
      spearmanCeiling: spearman(
        ti.map((j) => trueCeil[j]!),
        ti.map((j) => best[j]!),
      ),
      spearmanSignal: spearman(
        ti.map((j) => trueSignal[j]!),
        ti.map((j) => best[j]!),
      ),
      auc: auc(Array.from(best), tuned),
      fpr: falsePos / ui.length,
      fdp: nSig ? falsePos / nSig : 0,
      significant: nSig,
      hgLow: share(/G_temp_sup-G_T_transv/, 'low'),
      stsHigh: share(/S_temporal_sup/, 'high'),
    };
  }
  process.stdout.write(`@@${JSON.stringify(row)}\n`);
}

interface Row {
  subject: string;
  voxels: number;
  batches: number;
  seconds: number;
  cpuSeconds: number;
  featureSeconds: number;
  fitSeconds: number;
  peakRssMiB: number;
  spaces: Array<{ name: string; significant: number; maxR: number }>;
  truth: {
    tuned: number;
    spearmanCeiling: number;
    spearmanSignal: number;
    auc: number;
    fpr: number;
    fdp: number;
    significant: number;
    hgLow: { share: number; n: number };
    stsHigh: { share: number; n: number };
  };
}

async function main(): Promise<void> {
  if (arg('one')) return child();
  const dataset = arg('dataset');
  if (!dataset) {
    console.error(
      'usage: bench/encode.bench.ts --dataset TWIN [--subjects 001,002] [--truth] (build one with b2m synth)',
    );
    process.exit(1);
  }
  const subjects = (arg('subjects', '001,002,003,004,005') as string)
    .split(',')
    .map((s) => s.replace(/^sub-/, ''));
  const keep = arg('out');
  const out = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), 'b2m-encode-bench-'));
  const rows: Row[] = [];
  try {
    for (const s of subjects) {
      const pass = argv.filter(
        (_, i) =>
          argv[i - 1] !== '--subjects' &&
          argv[i] !== '--subjects' &&
          argv[i - 1] !== '--out' &&
          argv[i] !== '--out',
      );
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', process.argv[1]!, ...pass, '--one', s, '--out', out],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
          maxBuffer: 1 << 26,
        },
      );
      const line = r.stdout.split('\n').find((l) => l.startsWith('@@'));
      if (!line) throw new Error(`sub-${s} failed (exit ${r.status})\n${r.stdout}`);
      const row = JSON.parse(line.slice(2)) as Row;
      rows.push(row);
      console.log(
        `${row.subject}: ${row.voxels} voxels, ${row.batches} batch(es), ${row.seconds.toFixed(1)} s wall, ${row.cpuSeconds.toFixed(1)} s CPU (features ${row.featureSeconds.toFixed(1)} s, fit ${row.fitSeconds.toFixed(1)} s), peak RSS ${row.peakRssMiB.toFixed(0)} MiB; ${row.spaces.map((x) => `${x.name} ${x.significant} significant, max r ${x.maxR.toFixed(3)}`).join('; ')}`,
      );
    }
    if (flag('truth')) {
      const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '—');
      console.log(
        '\n| subject | tuned | spearman(ceiling) | spearman(signal) | AUC | FPR untuned | FDP | significant | HG → low-level | STS → high-level |',
      );
      console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
      for (const r of rows) {
        const t = r.truth;
        console.log(
          `| ${r.subject} | ${t.tuned} | ${f(t.spearmanCeiling)} | ${f(t.spearmanSignal)} | ${f(t.auc)} | ${f(t.fpr)} | ${f(t.fdp)} | ${t.significant} | ${f(t.hgLow.share)} (${t.hgLow.n}) | ${f(t.stsHigh.share)} (${t.stsHigh.n}) |`,
        );
      }
    }
  } finally {
    if (!keep) rmSync(out, { recursive: true, force: true });
  }
}

await main();
