/**
 * Audio DSP benchmark: our TypeScript vs the numpy/scipy reference on the same
 * machine, same input (30 s of rendered music), medians over repeated runs.
 *   node --import tsx bench/audio.bench.ts [--reps N]
 * Rows: resample 44.1→22.05 kHz (scipy.signal.resample_poly), 48→22.05 kHz,
 * mel spectrogram (numpy rfft + filterbank matmul, librosa's definition),
 * MFCC (+ scipy DCT). Modulation and chroma are timed on our side only.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chroma } from '../src/audio/chroma.js';
import { melSpectrogram } from '../src/audio/mel.js';
import { mfcc } from '../src/audio/mfcc.js';
import { modulationSpectrum } from '../src/audio/modulation.js';
import { resample } from '../src/audio/resample.js';
import { findPython } from './lib/python.js';

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function time(fn: () => void): number {
  fn(); // warm-up (JIT)
  const ts: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(ts);
}

const PY = `
import sys, time, json, numpy as np, scipy.signal, scipy.fft
sys.path.insert(0, 'scripts/fixtures')
import make_audio_fixtures as ref
reps = int(sys.argv[1]); out = sys.argv[2]
x44 = ref.render_music(44100, 30.0, 5).astype(np.float64)
x48 = ref.render_music(48000, 30.0, 5).astype(np.float64)
x22 = scipy.signal.resample_poly(x44, 1, 2)
x44.astype('<f4').tofile(out + '/x44.f32'); x48.astype('<f4').tofile(out + '/x48.f32')
def t(f):
    f(); ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))
res = {
  'resample 44.1k→22.05k': t(lambda: scipy.signal.resample_poly(x44, 1, 2)),
  'resample 48k→22.05k': t(lambda: scipy.signal.resample_poly(x48, 147, 320)),
  'mel 128 (nFft 2048, hop 512)': t(lambda: ref.melspectrogram(x22, 22050)),
  'mfcc 20': t(lambda: ref.mfcc(x22, 22050)),
}
print(json.dumps(res))
`;

const py = findPython(['numpy', 'scipy']);
const dir = mkdtempSync(join(tmpdir(), 'b2m-audio-bench-'));
try {
  let pyRes: Record<string, number> = {};
  let x44: Float32Array;
  let x48: Float32Array;
  if (py) {
    const r = spawnSync(py, ['-c', PY, String(REPS), dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`python reference failed: ${r.stderr}`);
    pyRes = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    const rd = (f: string) => {
      const b = readFileSync(join(dir, f));
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    };
    x44 = rd('x44.f32');
    x48 = rd('x48.f32');
  } else {
    console.log('(no Python with numpy+scipy found: TypeScript timings only; set B2M_PYTHON)');
    x44 = Float32Array.from({ length: 30 * 44100 }, (_, i) => Math.sin(i / 7) * 0.3);
    x48 = Float32Array.from({ length: 30 * 48000 }, (_, i) => Math.sin(i / 7) * 0.3);
  }
  const x22 = resample(x44, 44100, 22050);
  const ours: Record<string, number> = {
    'resample 44.1k→22.05k': time(() => resample(x44, 44100, 22050)),
    'resample 48k→22.05k': time(() => resample(x48, 48000, 22050)),
    'mel 128 (nFft 2048, hop 512)': time(() => melSpectrogram(x22, 22050)),
    'mfcc 20': time(() => mfcc(x22, 22050)),
    'chroma 12': time(() => chroma(x22, 22050)),
    'modulation 60 (3-s patches)': time(() => modulationSpectrum(x22, 22050)),
  };
  console.log(`audio DSP on 30 s of music, median of ${REPS} runs (ms); ratio = ours / numpy-scipy`);
  console.log(
    `${'task'.padEnd(32)}${'ours'.padStart(10)}${'numpy/scipy'.padStart(14)}${'ratio'.padStart(9)}`,
  );
  for (const [k, v] of Object.entries(ours)) {
    const p = pyRes[k];
    console.log(
      `${k.padEnd(32)}${v.toFixed(1).padStart(10)}${(p === undefined ? '–' : p.toFixed(1)).padStart(14)}${(p === undefined ? '–' : (v / p).toFixed(2)).padStart(9)}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
