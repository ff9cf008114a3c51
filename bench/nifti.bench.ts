/**
 * Masked extraction of a run the size of ds003720's (96×96×68×410 int16, 514 MB)
 * with a 60,000-voxel mask, from `.nii` and `.nii.gz`: ours against nibabel + numpy
 * on the same machine and the same files. Each measurement runs in a fresh process,
 * so its peak RSS is its own; figures are medians over repeats, page cache warm.
 *
 *   npm run bench:nifti                 (B2M_BENCH_REPEATS=3, B2M_BENCH_DIR=<tmp>/b2m-bench-nifti)
 *
 * Rows: ours (Masker.transform); plain reads as the speed floor (fs reads / zlib
 * gunzip without parsing); nibabel `np.asanyarray(img.dataobj)[mask].T` (memory-maps
 * `.nii`) and nilearn's way `img.get_fdata(dtype=float32)[mask].T`.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { Masker } from '../src/fmri/masker.js';
import { openNiftiWriter, writeNifti } from '../src/io/nifti/index.js';
import { findPython } from './lib/python.js';

const DIMS = [96, 96, 68, 410] as const;
const N_MASK = 60_000;
const AFFINE = [
  [-2, 0, 0, 95],
  [0, 2, 0, -115],
  [0, 0, 2, -60],
  [0, 0, 0, 1],
];

interface Measure {
  seconds: number;
  /** User + system CPU seconds of the measured part (less sensitive than wall time to a busy machine). */
  cpuSeconds: number;
  peakRssMB: number;
  checksum?: number;
}

// ---------------------------------------------------------------- child process side
async function child(mode: string, path: string, maskPath: string): Promise<void> {
  const cpu = (since?: NodeJS.CpuUsage) => {
    const u = process.cpuUsage(since);
    return (u.user + u.system) / 1e6;
  };
  if (mode === 'extract') {
    const masker = await Masker.fromMaskFile(maskPath);
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    const X = await masker.transform(path);
    const seconds = (performance.now() - t1) / 1000;
    const cpuSeconds = cpu(c1);
    let s = 0;
    for (let i = 0; i < X.data.length; i++) s += X.data[i]!;
    report({ seconds, cpuSeconds, peakRssMB: process.resourceUsage().maxRSS / 1024, checksum: s });
    return;
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (mode === 'read') {
    const fh = await open(path, 'r');
    const buf = Buffer.allocUnsafeSlow(8 << 20);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
    }
    await fh.close();
  } else if (mode === 'gunzip') {
    const gz = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 }));
    for await (const _ of gz) {
      // drain
    }
  }
  report({
    seconds: (performance.now() - t0) / 1000,
    cpuSeconds: cpu(c0),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  });
}

function report(m: Measure): void {
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

const PY_SCRIPT = `
import sys, time, json, resource
import numpy as np, nibabel as nib
mode, path, mask_path = sys.argv[1:4]
mask = np.asanyarray(nib.load(mask_path).dataobj).astype(bool)
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
c0 = cpu()
t0 = time.perf_counter()
img = nib.load(path)
if mode == 'dataobj':
    X = np.asanyarray(img.dataobj)[mask].T.astype(np.float32)
else:
    X = img.get_fdata(dtype=np.float32)[mask].T
seconds = time.perf_counter() - t0
cpu_seconds = cpu() - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({'seconds': seconds, 'cpuSeconds': cpu_seconds, 'peakRssMB': peak, 'checksum': float(X.astype(np.float64).sum())}))
`;

// ---------------------------------------------------------------- parent side
const SELF = fileURLToPath(import.meta.url);

function runChild(cmd: string, args: string[]): Measure {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(last) as Measure;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A smooth "brain" with drifting, noisy voxels: realistic enough for gzip to have work to do. */
async function makeRun(dir: string): Promise<{ nii: string; gz: string; mask: string }> {
  const nii = join(dir, 'run.nii');
  const gz = join(dir, 'run.nii.gz');
  const mask = join(dir, 'mask.nii.gz');
  const [nx, ny, nz, nt] = DIMS;
  const vpv = nx * ny * nz;
  const expected = 352 + vpv * nt * 2;
  if (existsSync(nii) && statSync(nii).size === expected && existsSync(gz) && existsSync(mask)) {
    return { nii, gz, mask };
  }
  process.stderr.write(`writing the synthetic run to ${dir} (once)…\n`);
  // Ellipsoid mask, trimmed to exactly N_MASK voxels in nilearn order.
  const inside = new Float32Array(vpv);
  const r2 = (x: number, y: number, z: number) =>
    ((x - nx / 2) / 38) ** 2 + ((y - ny / 2) / 44) ** 2 + ((z - nz / 2) / 30) ** 2;
  const sel: number[] = [];
  for (let x = 0; x < nx; x++)
    for (let y = 0; y < ny; y++)
      for (let z = 0; z < nz; z++) if (r2(x, y, z) < 1) sel.push(x + nx * (y + ny * z));
  if (sel.length < N_MASK) throw new Error(`ellipsoid holds only ${sel.length} voxels`);
  const maskData = new Uint8Array(vpv);
  for (const o of sel.slice(0, N_MASK)) maskData[o] = 1;
  const base = new Float32Array(vpv);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const o = x + nx * (y + ny * z);
        const r = r2(x, y, z);
        base[o] = r < 1 ? 600 + 400 * Math.cos(x / 5) * Math.sin(y / 7) : 20;
        inside[o] = r < 1 ? 1 : 0;
      }
  await writeNifti(mask, { header: { dims: [nx, ny, nz], affine: AFFINE }, data: maskData });
  const init = { dims: [...DIMS], datatype: 'int16' as const, affine: AFFINE, tr: 1.5 };
  const wn = await openNiftiWriter(nii, init);
  const wg = await openNiftiWriter(gz, init);
  const vol = new Int16Array(vpv);
  let seed = 12345;
  for (let t = 0; t < nt; t++) {
    for (let i = 0; i < vpv; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
      const noise = ((seed >>> 16) & 0xff) - 128;
      vol[i] = Math.round(base[i]! + (inside[i]! ? noise * 0.4 + 10 * Math.sin(t / 20 + i) : noise * 0.05));
    }
    await Promise.all([wn.writeVolume(vol), wg.writeVolume(vol)]);
  }
  await wn.commit();
  await wg.commit();
  return { nii, gz, mask };
}

async function warm(path: string): Promise<void> {
  for await (const _ of createReadStream(path, { highWaterMark: 8 << 20 })) {
    // pull the file into the page cache
  }
}

async function main(): Promise<void> {
  const repeats = Number(process.env.B2M_BENCH_REPEATS ?? 3);
  const dir = process.env.B2M_BENCH_DIR ?? join(tmpdir(), 'b2m-bench-nifti');
  mkdirSync(dir, { recursive: true });
  const files = await makeRun(dir);
  const rawBytes = statSync(files.nii).size;
  const py = findPython(['nibabel', 'numpy']);
  const pyScript = join(dir, 'extract.py');
  writeFileSync(pyScript, PY_SCRIPT);
  const node = [process.execPath, '--import', 'tsx', SELF, '--child'];

  const rows: { name: string; fmt: 'nii' | 'gz'; run: () => Measure }[] = [];
  for (const fmt of ['nii', 'gz'] as const) {
    const f = fmt === 'nii' ? files.nii : files.gz;
    rows.push({
      name: 'b2m Masker.transform',
      fmt,
      run: () => runChild(node[0]!, [...node.slice(1), 'extract', f, files.mask]),
    });
    rows.push({
      name: fmt === 'nii' ? 'node fs read only (floor)' : 'node zlib gunzip only (floor)',
      fmt,
      run: () => runChild(node[0]!, [...node.slice(1), fmt === 'nii' ? 'read' : 'gunzip', f, files.mask]),
    });
    if (py) {
      rows.push({
        name: 'nibabel dataobj[mask]',
        fmt,
        run: () => runChild(py, [pyScript, 'dataobj', f, files.mask]),
      });
      rows.push({
        name: 'nibabel get_fdata(f32)[mask]',
        fmt,
        run: () => runChild(py, [pyScript, 'fdata', f, files.mask]),
      });
    }
  }
  if (!py) process.stderr.write('no Python with nibabel found: reference rows skipped\n');

  const outMB = (DIMS[3] * N_MASK * 4) / 2 ** 20;
  console.log(
    `masked extraction: ${DIMS.join('×')} int16 (${(rawBytes / 1e6).toFixed(0)} MB uncompressed, ` +
      `.nii.gz ${(statSync(files.gz).size / 1e6).toFixed(0)} MB), mask ${N_MASK} voxels, output ${outMB.toFixed(0)} MiB float32; ` +
      `median of ${repeats}, warm page cache`,
  );
  const results: Record<string, { s: number; cpu: number; rss: number; sum?: number }> = {};
  for (const fmt of ['nii', 'gz'] as const) {
    await warm(fmt === 'nii' ? files.nii : files.gz);
    for (const row of rows.filter((r) => r.fmt === fmt)) {
      const ms: Measure[] = [];
      for (let i = 0; i < repeats; i++) ms.push(row.run());
      results[`${fmt} ${row.name}`] = {
        s: median(ms.map((m) => m.seconds)),
        cpu: median(ms.map((m) => m.cpuSeconds)),
        rss: median(ms.map((m) => m.peakRssMB)),
        sum: ms[0]!.checksum,
      };
    }
  }
  const header = `${'format'.padEnd(8)}${'method'.padEnd(32)}${'median s'.padStart(10)}${'MB/s'.padStart(9)}${'CPU s'.padStart(8)}${'peak RSS MB'.padStart(13)}${'vs nibabel'.padStart(12)}`;
  console.log(header);
  for (const fmt of ['nii', 'gz'] as const) {
    const ref = results[`${fmt} nibabel dataobj[mask]`];
    for (const row of rows.filter((r) => r.fmt === fmt)) {
      const r = results[`${fmt} ${row.name}`]!;
      const ratio = ref ? `${(ref.s / r.s).toFixed(2)}×` : '-';
      console.log(
        `${(fmt === 'nii' ? '.nii' : '.nii.gz').padEnd(8)}${row.name.padEnd(32)}${r.s.toFixed(3).padStart(10)}` +
          `${(rawBytes / 1e6 / r.s).toFixed(0).padStart(9)}${r.cpu.toFixed(2).padStart(8)}${r.rss.toFixed(0).padStart(13)}${ratio.padStart(12)}`,
      );
    }
  }
  console.log(
    'MB/s: uncompressed bytes per wall second; CPU s: user + system seconds; "vs nibabel": nibabel dataobj wall time / this wall time (>1: faster).',
  );
  const sums = Object.entries(results).filter(([, r]) => r.sum !== undefined);
  const agree = sums.every(([, r]) => r.sum === sums[0]![1].sum);
  console.log(
    `checksums of the extracted matrices ${agree ? 'agree' : 'DISAGREE'} across methods (${sums.length} methods)`,
  );
  if (!agree) {
    for (const [k, r] of sums) console.log(`  ${k}: ${r.sum}`);
    process.exitCode = 1;
  }
}

if (process.argv.includes('--child')) {
  const i = process.argv.indexOf('--child');
  const [mode, path, mask] = process.argv.slice(i + 1);
  await child(mode!, path!, mask!);
} else {
  await main();
}
