/**
 * MP3 encoding benchmark: our encoder (`encodeMp3`, LAME 3.100 as wasm) vs
 * Debian's native `lame` command on the same 15-s 22,050-Hz mono clip at
 * 64 kbit/s (the generation stage's setting), medians over repeated runs.
 *   node --import tsx bench/mp3.bench.ts [--reps N]
 * The native row times a whole `lame` process (start-up included), which is
 * what a pipeline calling it per clip would pay; it is skipped when `lame` is
 * not installed (`apt-get install lame`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeMp3 } from '../src/audio/encode.js';
import { encodeWav } from '../src/audio/wav.js';

const repsArg = process.argv.indexOf('--reps');
const REPS = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 15;
const SR = 22050;
const SECONDS = 15;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** A chord progression with harmonics and a little noise: music-like spectra, deterministic. */
function clip(): Float32Array {
  const x = new Float32Array(SR * SECONDS);
  const roots = [220, 174.61, 261.63, 196];
  let seed = 12345;
  for (let i = 0; i < x.length; i++) {
    const t = i / SR;
    const f = roots[Math.floor(t / 2) % roots.length] as number;
    let v = 0;
    for (const ratio of [1, 1.25, 1.5])
      for (let h = 1; h <= 4; h++) v += Math.sin(2 * Math.PI * f * ratio * h * t) / (h * 6);
    seed = (seed * 1103515245 + 12345) >>> 0;
    x[i] = 0.5 * v + 0.02 * (seed / 2 ** 32 - 0.5);
  }
  return x;
}

const x = clip();
const dir = mkdtempSync(join(tmpdir(), 'b2m-mp3-bench-'));
try {
  await encodeMp3(x, SR, { kbps: 64 }); // warm-up: wasm compile, JIT
  const ours: number[] = [];
  let oursBytes = 0;
  for (let r = 0; r < REPS; r++) {
    const t0 = process.hrtime.bigint();
    oursBytes = (await encodeMp3(x, SR, { kbps: 64 })).bytes.length;
    ours.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const wav = join(dir, 'clip.wav');
  writeFileSync(wav, encodeWav(x, SR).bytes);
  const native: number[] = [];
  let nativeBytes = 0;
  const hasLame = spawnSync('lame', ['--version']).status === 0;
  if (hasLame) {
    for (let r = 0; r < REPS; r++) {
      const out = join(dir, 'clip.mp3');
      const t0 = process.hrtime.bigint();
      const res = spawnSync('lame', ['--quiet', '-b', '64', '--cbr', '-m', 'm', wav, out]);
      native.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (res.status !== 0) throw new Error(`lame failed: ${res.stderr}`);
      nativeBytes = statSync(out).size;
    }
  }
  const o = median(ours);
  console.log(`MP3, ${SECONDS}-s mono clip at ${SR} Hz, 64 kbit/s CBR, median of ${REPS}`);
  console.log(
    `  ours (LAME wasm)     ${o.toFixed(1).padStart(7)} ms  ${((SECONDS * 1000) / o).toFixed(0)}× real time  ${oursBytes} bytes`,
  );
  if (hasLame) {
    const n = median(native);
    console.log(
      `  native lame process  ${n.toFixed(1).padStart(7)} ms  ${((SECONDS * 1000) / n).toFixed(0)}× real time  ${nativeBytes} bytes`,
    );
    console.log(`  ratio ours / native  ${(o / n).toFixed(2)}`);
  } else {
    console.log('  native lame: not installed (apt-get install lame), row skipped');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
