/**
 * Embedding speed, and (with --quality) embedding quality on the synthetic twin.
 *
 * Speed (default): on N 15-s clips (synthetic, or --stimuli DIR):
 *   1. `dsp` frame features per clip, single thread, ours against the same
 *      pipeline in numpy/scipy (STFT → 64-band mel → dB → MFCC (DCT) → chroma
 *      filterbank → spectral centroid/bandwidth/rolloff/flatness) on the same
 *      clips: medians and ratio;
 *   2. `dsp` throughput over worker threads (one per core), projected to the 540
 *      stimuli of ds003720;
 *   3. cache hits: the same clips again, served from the on-disk cache;
 *   4. `basic-pitch`, its default engine (ONNX Runtime on the converted graph)
 *      against TF.js's WASM backend (the previous default) on the same clips:
 *      per-clip medians in one thread and their ratio; then throughput over the
 *      pool (N workers × 1 ONNX Runtime thread, and 1 worker × N threads), each
 *      projected to the 540 stimuli.
 *
 *   node --import tsx bench/embed.bench.ts [--clips 540] [--bp-clips 24] [--stimuli DIR] [--workers N] [--bp-only]
 *
 * Quality (reported, never asserted):
 *   node --import tsx bench/embed.bench.ts --quality TWIN_A TWIN_B [--embedders dsp,basic-pitch] [--train-per-genre N]
 * TWIN_A and TWIN_B are two renderings of the same twin (`b2m synth` with two
 * soundfonts). Train on the training clips of A, test on the test clips of B
 * (cross-soundfont): genre linear probe and 5-NN accuracy per embedder and per
 * `dsp` block; identification accuracy of each clip's embedding in A among all
 * clips' embeddings in B (window-averaged; chance 0.5).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWav } from '../src/audio/wav.js';
import { clipFrames } from '../src/embed/dsp/frames.js';
import { DSP_BLOCKS, embedFiles } from '../src/embed/index.js';
import { knnAccuracy, linearProbeAccuracy } from '../src/embed/quality.js';
import { identificationAccuracy } from '../src/evaluate/identification.js';
import { Matrix } from '../src/linalg/matrix.js';
import { Rng } from '../src/util/rng.js';
import { findPython } from './lib/python.js';

const args = process.argv.slice(2);
function flag(name: string, def: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? (args[i + 1] as string) : def;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const SR = 22050;

/** A 15-s clip with a melody over a drum-like pulse and noise, different per seed. */
function syntheticClip(seed: number): Float32Array {
  const rng = new Rng(seed);
  const n = 15 * SR;
  const x = new Float32Array(n);
  const bpm = rng.range(70, 160);
  const beat = Math.round((60 / bpm) * SR);
  const base = 110 * 2 ** rng.range(0, 2);
  let f = base;
  for (let i = 0; i < n; i++) {
    if (i % (beat / 2) === 0) f = base * 2 ** (rng.int(0, 12) / 12);
    const env = Math.exp(-(i % beat) / (0.05 * SR));
    x[i] = 0.2 * Math.sin((2 * Math.PI * f * i) / SR) + 0.3 * env * rng.normal() + 0.01 * rng.normal();
  }
  return x;
}

const PY_REFERENCE = `
import sys, time, json
import numpy as np
from scipy.io import wavfile
from scipy.fft import dct
sr, nfft, hop, nmels = 22050, 2048, 512, 64
def hz2mel(f):
    f = np.asanyarray(f, dtype=float); m = f / (200.0 / 3)
    lin = 1000.0 / (200.0 / 3); log = np.log(6.4) / 27.0
    return np.where(f >= 1000, lin + np.log(np.maximum(f, 1e-10) / 1000.0) / log, m)
def mel2hz(m):
    m = np.asanyarray(m, dtype=float); lin = 1000.0 / (200.0 / 3); log = np.log(6.4) / 27.0
    return np.where(m >= lin, 1000.0 * np.exp(log * (m - lin)), (200.0 / 3) * m)
fft_f = np.fft.rfftfreq(nfft, 1 / sr)
mel_f = mel2hz(np.linspace(hz2mel(0), hz2mel(sr / 2), nmels + 2))
fd = np.diff(mel_f); ramps = mel_f[:, None] - fft_f[None, :]
W = np.maximum(0, np.minimum(-ramps[:-2] / fd[:-1, None], ramps[2:] / fd[1:, None]))
W *= (2.0 / (mel_f[2:nmels + 2] - mel_f[:nmels]))[:, None]
freqs = fft_f[1:]; pcs = 12 * np.log2(freqs / 440.0) + 9
C = np.exp(-0.5 * ((pcs[None, :] - np.arange(12)[:, None] + 6) % 12 - 6) ** 2)
C = np.concatenate([np.zeros((12, 1)), C], axis=1)
win = np.hanning(nfft + 1)[:-1]
def feats(x):
    xp = np.pad(x, nfft // 2, mode='reflect')
    nfr = 1 + (len(xp) - nfft) // hop
    idx = np.arange(nfft)[None, :] + hop * np.arange(nfr)[:, None]
    S = np.abs(np.fft.rfft(xp[idx] * win, axis=1)).T
    P = S ** 2
    mel = W @ P
    db = 10 * np.log10(np.maximum(mel, 1e-10)); db = np.maximum(db, db.max() - 80)
    mf = dct(db, type=2, axis=0, norm='ortho')[:20]
    ch = C @ P; ch /= np.maximum(ch.max(axis=0, keepdims=True), 1e-30)
    cen = (fft_f[:, None] * S).sum(0) / np.maximum(S.sum(0), 1e-10)
    bw = np.sqrt((S * (fft_f[:, None] - cen) ** 2).sum(0) / np.maximum(S.sum(0), 1e-10))
    cs = np.cumsum(S, axis=0); roll = fft_f[np.argmax(cs >= 0.85 * cs[-1], axis=0)]
    Pf = np.maximum(P, 1e-10); flat = np.exp(np.log(Pf).mean(0)) / Pf.mean(0)
    return db, mf, ch, cen, bw, roll, flat
times = []
for p in sys.argv[1:]:
    r, x = wavfile.read(p); x = x.astype(np.float32) / 32768.0
    t0 = time.perf_counter(); feats(x); times.append(time.perf_counter() - t0)
print(json.dumps(times))
`;

async function speed(): Promise<void> {
  const nBp = Number(flag('--bp-clips', '24'));
  const nClips = args.includes('--bp-only') ? nBp : Number(flag('--clips', '540'));
  const cores = Number(flag('--workers', String(availableParallelism())));
  const tmp = mkdtempSync(join(tmpdir(), 'b2m-embed-bench-'));
  try {
    let files: string[];
    const stim = flag('--stimuli', '');
    if (stim) {
      files = readdirSync(stim)
        .filter((f) => /\.(wav|au|flac|mp3|ogg)$/i.test(f))
        .sort()
        .slice(0, nClips)
        .map((f) => join(stim, f));
    } else {
      files = [];
      for (let k = 0; k < nClips; k++) {
        const p = join(tmp, `clip${String(k).padStart(3, '0')}.wav`);
        await writeWav(p, syntheticClip(k), SR);
        files.push(p);
      }
    }
    console.log(
      `embed bench: ${files.length} clips of 15 s at ${SR} Hz, ${cores} cores${stim ? ` (${stim})` : ' (synthetic)'}`,
    );
    if (!args.includes('--bp-only')) await dspSpeed(files, cores, tmp, stim);
    await basicPitchSpeed(files.slice(0, Math.min(nBp, files.length)), cores);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** 1–3: dsp features, ours against numpy/scipy, throughput and cache hits. */
async function dspSpeed(files: string[], cores: number, tmp: string, stim: string): Promise<void> {
  // 1. Single-thread frame features, ours vs numpy/scipy, same clips.
  const sample = files.slice(0, Math.min(20, files.length));
  const { decodeAudioFile } = await import('../src/audio/decode.js');
  const { prepareAudio } = await import('../src/embed/prepare.js');
  const ours: number[] = [];
  for (const f of sample) {
    const x = prepareAudio(await decodeAudioFile(f), SR);
    const t0 = performance.now();
    clipFrames(x);
    ours.push(performance.now() - t0);
  }
  const py = findPython(['numpy', 'scipy']);
  let pyMed = Number.NaN;
  if (py && !stim) {
    const script = join(tmp, 'ref.py');
    writeFileSync(script, PY_REFERENCE);
    const r = spawnSync(py, [script, ...sample], { encoding: 'utf8' });
    if (r.status === 0) pyMed = median(JSON.parse(r.stdout) as number[]) * 1000;
    else console.log(`python reference failed: ${r.stderr.slice(-300)}`);
  }
  const oursMed = median(ours);
  console.log('\n| per clip, single thread (median of %d) | ms |', sample.length);
  console.log('|---|---|');
  console.log(`| ours: dsp frame features (mel, MFCC+Δ, chroma, spectral, onset) | ${oursMed.toFixed(1)} |`);
  if (Number.isFinite(pyMed)) {
    console.log(`| numpy/scipy: mel, MFCC, chroma, spectral shape | ${pyMed.toFixed(1)} |`);
    console.log(`| ratio ours / numpy | ${(oursMed / pyMed).toFixed(2)} |`);
  } else
    console.log('| numpy/scipy reference | not run (no numpy/scipy, or --stimuli audio not 16-bit wav) |');

  // 2. dsp throughput over workers, no cache.
  const t1 = performance.now();
  await embedFiles(files, {
    embedder: 'dsp',
    windows: { window: 10, stride: 1.5 },
    cacheDir: null,
    workers: cores,
  });
  const dspS = (performance.now() - t1) / 1000;
  // 3. Cache: populate, then time the hits.
  const cacheDir = join(tmp, 'cache');
  await embedFiles(files, {
    embedder: 'dsp',
    windows: { window: 10, stride: 1.5 },
    cacheDir,
    workers: cores,
  });
  const t2 = performance.now();
  const hit = await embedFiles(files, {
    embedder: 'dsp',
    windows: { window: 10, stride: 1.5 },
    cacheDir,
    workers: cores,
  });
  const hitS = (performance.now() - t2) / 1000;
  const per = (s: number, n: number) => ((s / n) * 1000).toFixed(1);
  console.log(
    `\n| throughput (${cores} worker threads) | clips | total s | ms per clip | projected for 540 clips, s |`,
  );
  console.log('|---|---|---|---|---|');
  console.log(
    `| dsp, no cache | ${files.length} | ${dspS.toFixed(1)} | ${per(dspS, files.length)} | ${((dspS / files.length) * 540).toFixed(0)} (target < 60) |`,
  );
  console.log(
    `| dsp, all cache hits (${hit.cacheHits}) | ${files.length} | ${hitS.toFixed(2)} | ${per(hitS, files.length)} | ${((hitS / files.length) * 540).toFixed(1)} |`,
  );
}

/** 4. basic-pitch: ONNX Runtime (default) against TF.js WASM, same clips. */
async function basicPitchSpeed(files: string[], cores: number): Promise<void> {
  const { decodeAudioFile } = await import('../src/audio/decode.js');
  const { prepareAudio } = await import('../src/embed/prepare.js');
  const { createBasicPitchEmbedder } = await import('../src/embed/basic-pitch/basic-pitch.js');
  const windows = { window: 10, stride: 1.5 };
  const sample = files.slice(0, Math.min(8, files.length));
  const clips = await Promise.all(sample.map(async (f) => prepareAudio(await decodeAudioFile(f), SR)));
  const perClip = async (backend: 'onnx' | 'tfjs-wasm'): Promise<number[]> => {
    const emb = await createBasicPitchEmbedder({ backend, threads: 1 });
    await emb.embed(clips[0] as Float32Array, windows); // warm-up: first-run allocations
    const ms: number[] = [];
    for (const x of clips) {
      const t0 = performance.now();
      await emb.embed(x, windows);
      ms.push(performance.now() - t0);
    }
    await emb.dispose?.();
    return ms;
  };
  const onnxMs = median(await perClip('onnx'));
  const wasmMs = median(await perClip('tfjs-wasm'));
  console.log(`\n| basic-pitch per 15-s clip, one thread (median of ${clips.length}) | ms |`);
  console.log('|---|---|');
  console.log(`| ONNX Runtime, graph converted in memory (default) | ${onnxMs.toFixed(0)} |`);
  console.log(`| TF.js WASM backend | ${wasmMs.toFixed(0)} |`);
  console.log(`| ratio WASM / ONNX | ${(wasmMs / onnxMs).toFixed(2)} |`);

  const run = async (
    workers: number,
    opts: { basicPitchBackend?: 'onnx' | 'tfjs-wasm'; threads?: number },
  ) => {
    const t0 = performance.now();
    await embedFiles(files, {
      embedder: 'basic-pitch',
      embedderOptions: opts,
      windows,
      cacheDir: null,
      workers,
    });
    return (performance.now() - t0) / 1000;
  };
  const rows: [string, number][] = [
    [`ONNX, ${cores} workers × 1 thread (default)`, await run(cores, {})],
    [`ONNX, 1 worker × ${cores} threads`, await run(1, { threads: cores })],
    [`TF.js WASM, ${cores} workers`, await run(cores, { basicPitchBackend: 'tfjs-wasm' })],
  ];
  console.log(
    `\n| basic-pitch throughput, no cache (${files.length} clips, incl. model load) | total s | ms per clip | projected for 540 clips, s |`,
  );
  console.log('|---|---|---|---|');
  for (const [label, s] of rows) {
    console.log(
      `| ${label} | ${s.toFixed(1)} | ${((s / files.length) * 1000).toFixed(0)} | ${((s / files.length) * 540).toFixed(0)} (target < 300) |`,
    );
  }
}

interface TwinClip {
  path: string;
  genre: string;
  split: 'train' | 'test';
  key: string;
}

/**
 * The stimulus clips of a twin: stimuli/<genre>.000XX.wav, genre from the file
 * name; test clips are those listed in the dataset's task-Test events.tsv files
 * (the quirky quoting of ds003720 tolerated), every other clip is training.
 */
function twinClips(root: string): TwinClip[] {
  const dir = existsSync(join(root, 'stimuli')) ? join(root, 'stimuli') : root;
  const test = new Set<string>();
  const func = join(root, 'sub-001', 'func');
  if (existsSync(func)) {
    for (const f of readdirSync(func).filter((n) => /task-Test_run-\d+_events\.tsv$/.test(n))) {
      const lines = readFileSync(join(func, f), 'utf8').trim().split(/\r?\n/);
      const head = (lines[0] as string).split('\t');
      const gi = head.indexOf('genre');
      const ti = head.indexOf('track');
      for (const l of lines.slice(1)) {
        const c = l.split('\t');
        const genre = (c[gi] as string).replaceAll("'", '').trim();
        test.add(`${genre}.${String(Number(c[ti])).padStart(5, '0')}.wav`);
      }
    }
  }
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wav'))
    .sort()
    .map((f) => ({
      path: join(dir, f),
      genre: f.split('.')[0] as string,
      split: test.has(f) ? 'test' : 'train',
      key: f,
    }));
}

function clipMeans(clips: Matrix<Float32Array>[], cols?: [number, number]): Matrix {
  const [c0, c1] = cols ?? [0, (clips[0] as Matrix).cols];
  return Matrix.build(clips.length, c1 - c0, (i, j) => {
    const m = clips[i] as Matrix<Float32Array>;
    let s = 0;
    for (let w = 0; w < m.rows; w++) s += m.get(w, c0 + j);
    return s / m.rows;
  });
}

async function quality(a: string, b: string): Promise<void> {
  const A = twinClips(a);
  const Bmap = new Map(twinClips(b).map((c) => [c.key, c]));
  // --train-per-genre N keeps the first N training clips of each genre (slow embedders).
  const perGenre = Number(flag('--train-per-genre', 'Infinity'));
  const seen = new Map<string, number>();
  const pairs = A.filter((c) => {
    if (!Bmap.has(c.key)) return false;
    if (c.split === 'test') return true;
    const k = (seen.get(c.genre) ?? 0) + 1;
    seen.set(c.genre, k);
    return k <= perGenre;
  });
  const trainIdx = pairs.flatMap((c, i) => (c.split === 'train' ? [i] : []));
  const testIdx = pairs.flatMap((c, i) => (c.split === 'test' ? [i] : []));
  console.log(
    `quality: ${pairs.length} clips in both renderings (${trainIdx.length} train, ${testIdx.length} test); train on ${a}, test on ${b}`,
  );
  const embedders = flag('--embedders', 'dsp,basic-pitch').split(',');
  const rows: string[] = [];
  for (const name of embedders) {
    const opts = {
      embedder: name,
      windows: { window: 10, stride: 1.5 },
      cacheDir: join(tmpdir(), 'b2m-embed-quality-cache'),
    };
    const ea = await embedFiles(
      pairs.map((c) => c.path),
      opts,
    );
    const eb = await embedFiles(
      pairs.map((c) => Bmap.get(c.key)!.path),
      opts,
    );
    const blocks: [string, [number, number] | undefined][] = [['all', undefined]];
    if (name === 'dsp')
      for (const bl of DSP_BLOCKS) blocks.push([`dsp:${bl.name}`, [bl.start, bl.start + bl.size]]);
    for (const [label, cols] of blocks) {
      const MA = clipMeans(ea.clips, cols);
      const MB = clipMeans(eb.clips, cols);
      const ytr = trainIdx.map((i) => pairs[i]!.genre);
      const yte = testIdx.map((i) => pairs[i]!.genre);
      const probe = await linearProbeAccuracy(MA.takeRows(trainIdx), ytr, MB.takeRows(testIdx), yte);
      const knn = knnAccuracy(MA.takeRows(trainIdx), ytr, MB.takeRows(testIdx), yte, 5);
      // Identification across renderings on the test clips, standardised with A's training clips.
      const { Standardizer } = await import('../src/embed/standardize.js');
      const st = Standardizer.fit(MA.takeRows(trainIdx));
      const ident = identificationAccuracy(
        st.transform(MA.takeRows(testIdx)),
        st.transform(MB.takeRows(testIdx)),
      ).accuracy;
      rows.push(
        `| ${name === 'dsp' ? label : name} | ${cols ? cols[1] - cols[0] : ea.clips[0]!.cols} | ${probe.accuracy.toFixed(3)} (λ=${probe.lambda}) | ${knn.toFixed(3)} | ${ident.toFixed(3)} |`,
      );
    }
  }
  console.log(
    '\n| embedding | dim | genre linear probe (chance 0.1) | genre 5-NN | identification A→B (chance 0.5) |',
  );
  console.log('|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

const qi = args.indexOf('--quality');
if (qi >= 0) await quality(args[qi + 1] as string, args[qi + 2] as string);
else await speed();
