/**
 * The twin's music: rendering speed against FluidSynth (the reference C synthesizer)
 * on the same notes and soundfont, agreement of the two renders, and genre
 * separability across soundfonts and seeds.
 *
 *   node --import tsx bench/synth-music.bench.ts [--tracks 20] [--per-genre 20] [--full]
 *
 * --full also builds the default music of the twin (540 stimulus sources + 10 library
 * tracks per genre) with the worker pool and reports wall time, CPU time and disk.
 * Figures are noisy on a shared machine: CPU seconds are printed next to wall time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pearson } from '../src/evaluate/correlation.js';
import { loadDesign } from '../src/fmri/design.js';
import { buildMusic } from '../src/synth/music/build.js';
import { composeTrack } from '../src/synth/music/compose.js';
import { GENRES } from '../src/synth/music/genres.js';
import { scoreToMidi } from '../src/synth/music/midi.js';
import { renderScore } from '../src/synth/music/render.js';
import {
  accuracy,
  audioFeatures,
  confusion,
  type FeatureSet,
  featureSet,
  nearestCentroid,
} from '../src/synth/music/separability.js';
import { loadSoundfont, SOUNDFONTS, soundfontPath } from '../src/synth/music/soundfonts.js';
import { ConsoleProgress } from '../src/util/progress.js';
import { fluidsynthArgs, hasFluidsynth } from './lib/fluidsynth.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N_TRACKS = arg('tracks', 20);
const PER_GENRE = arg('per-genre', 20);
const FULL = args.includes('--full');
const SR = 22050;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/**
 * Runs FluidSynth's file renderer over `mids` (reverb and chorus off, as ours);
 * returns wall seconds and the child's CPU seconds (from bash's `times`).
 */
function fluidsynth(sf: string, mids: string[], out: string): { wall: number; cpu: number } {
  const t = performance.now();
  const r = spawnSync(
    'bash',
    ['-c', '"$@" >/dev/null || exit 1; times', 'bash', 'fluidsynth', ...fluidsynthArgs(sf, mids, out, SR)],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`fluidsynth failed: ${r.stderr}`);
  const wall = (performance.now() - t) / 1000;
  // `times` prints shell then children "user system", each like 0m1.234s.
  const child = (r.stdout.trim().split('\n')[1] ?? '').split(/\s+/);
  const secs = (x = '') => {
    const m = /(\d+)m([\d.]+)s/.exec(x);
    return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN;
  };
  return { wall, cpu: secs(child[0]) + secs(child[1]) };
}

async function renderSpeed(): Promise<void> {
  console.log(`\n## Rendering speed: ${N_TRACKS} tracks of 30 s (all genres), one thread`);
  const ids = Array.from(
    { length: N_TRACKS },
    (_, k) => `${GENRES[k % GENRES.length]}.${String(900 + k).padStart(5, '0')}`,
  );
  const scores = ids.map((id) => composeTrack(id, 0).score);
  const fs = hasFluidsynth();
  if (!fs)
    console.log('(fluidsynth not installed: the reference columns are skipped; apt-get install fluidsynth)');
  const dir = await mkdtemp(join(tmpdir(), 'b2m-music-bench-'));
  try {
    const mids: string[] = [];
    for (const [i, s] of scores.entries()) {
      const p = join(dir, `${ids[i]}.mid`);
      await writeFile(p, scoreToMidi(s));
      mids.push(p);
    }
    console.log(
      'soundfont     | ours wall s/track (median) | ours CPU s/track | fluidsynth wall s/track | fluidsynth CPU s/track | CPU ratio ours/fs | log-mel r (ours vs fs)',
    );
    for (const name of Object.keys(SOUNDFONTS)) {
      const bank = await loadSoundfont(name);
      await renderScore(scores[0]!, bank); // warm: the first use decodes the Ogg samples it needs
      const times: number[] = [];
      const c0 = cpuSeconds();
      const ours: Float32Array[] = [];
      for (const s of scores) {
        const t = performance.now();
        const r = await renderScore(s, bank, { sampleRate: SR });
        times.push((performance.now() - t) / 1000);
        ours.push(r.samples);
      }
      const cpu = (cpuSeconds() - c0) / scores.length;
      let fsPer = Number.NaN;
      let fsCpu = Number.NaN;
      let agree = Number.NaN;
      if (fs) {
        // FluidSynth wants a .sf3 extension; the package ships the files as .sf3.wasm.
        const sf = join(dir, `${name}.sf3`);
        await symlink(soundfontPath(name), sf).catch(() => {});
        const one = fluidsynth(sf, mids.slice(0, 1), join(dir, 'one.raw'));
        const all = fluidsynth(sf, mids, join(dir, 'all.raw'));
        // The soundfont load cancels out in the difference.
        fsPer = (all.wall - one.wall) / (mids.length - 1);
        fsCpu = (all.cpu - one.cpu) / (mids.length - 1);
        // Agreement: the same notes rendered by both, compared as 40-band log-mel means.
        const raw = await readFile(join(dir, 'all.raw'));
        const i16 = new Int16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1);
        const perTrack = 30 * SR;
        const rs: number[] = [];
        for (let k = 0; k < scores.length; k++) {
          const mono = new Float32Array(perTrack);
          for (let i = 0; i < perTrack; i++) {
            const j = 2 * (k * perTrack + i);
            mono[i] = (((i16[j] ?? 0) as number) + ((i16[j + 1] ?? 0) as number)) / 65536;
          }
          rs.push(
            pearson(audioFeatures(ours[k]!, SR).subarray(0, 40), audioFeatures(mono, SR).subarray(0, 40)),
          );
        }
        agree = median(rs);
      }
      console.log(
        [
          name.padEnd(13),
          median(times).toFixed(3).padStart(26),
          cpu.toFixed(3).padStart(16),
          fsPer.toFixed(3).padStart(23),
          fsCpu.toFixed(3).padStart(22),
          (cpu / fsCpu).toFixed(2).padStart(17),
          agree.toFixed(3),
        ].join(' | '),
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function separability(): Promise<void> {
  console.log(
    `\n## Genre separability: nearest centroid on log-mel statistics, ${PER_GENRE} tracks/genre, 10-s excerpts`,
  );
  const progress = new ConsoleProgress({ quietEveryMs: 60_000 });
  const sets: Record<string, FeatureSet> = {};
  for (const [key, spec] of [
    ['fluid-s0', { soundfont: 'fluidr3mono', seed: 0 }],
    ['fluid-s1', { soundfont: 'fluidr3mono', seed: 1 }],
    ['muse-s1', { soundfont: 'musescore', seed: 1 }],
    ['muse-s0', { soundfont: 'musescore', seed: 0 }],
  ] as const) {
    sets[key] = await featureSet(spec, { perGenre: PER_GENRE, durationS: 10, progress });
  }
  console.log('train → test                               | accuracy (chance 0.10)');
  let cross: { pred: number[]; truth: number[] } | null = null;
  for (const [a, b, label] of [
    ['fluid-s0', 'fluid-s1', 'same soundfont (FluidR3Mono), other seed'],
    ['fluid-s0', 'muse-s1', 'FluidR3Mono seed 0 → MuseScore seed 1'],
    ['muse-s0', 'fluid-s1', 'MuseScore seed 0 → FluidR3Mono seed 1'],
    ['fluid-s0', 'muse-s0', 'FluidR3Mono → MuseScore, same notes'],
  ] as const) {
    const tr = sets[a]!;
    const te = sets[b]!;
    const pred = nearestCentroid(tr.features, tr.labels, te.features);
    if (a === 'fluid-s0' && b === 'muse-s1') cross = { pred, truth: te.labels };
    console.log(`${label.padEnd(42)} | ${accuracy(pred, te.labels).toFixed(3)}`);
  }
  if (cross) {
    console.log('\nconfusion, FluidR3Mono seed 0 → MuseScore seed 1 (rows true, columns predicted):');
    const m = confusion(cross.pred, cross.truth, GENRES.length);
    console.log(`          ${GENRES.map((g) => g.slice(0, 5).padStart(6)).join('')}`);
    for (const [i, row] of m.entries())
      console.log(`${GENRES[i]!.padEnd(10)}${row.map((v) => String(v).padStart(6)).join('')}`);
  }
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? await dirBytes(p) : (await stat(p)).size;
  }
  return total;
}

async function fullBuild(): Promise<void> {
  console.log('\n## Default twin music: 540 stimulus sources + 10 library tracks per genre, worker pool');
  const { design } = await loadDesign(join(import.meta.dirname, '..', 'data', 'ds003720'));
  const dir = await mkdtemp(join(tmpdir(), 'b2m-music-full-'));
  try {
    const c0 = cpuSeconds();
    const t = performance.now();
    const built = await buildMusic({
      root: dir,
      trackIds: design.clips.map((c) => c.id),
      extraPerGenre: 10,
      progress: new ConsoleProgress({ quietEveryMs: 30_000 }),
    });
    const wall = (performance.now() - t) / 1000;
    const cpu = cpuSeconds() - c0;
    console.log(
      `${built.tracks.length} tracks: wall ${wall.toFixed(1)} s, CPU ${cpu.toFixed(1)} s (${(cpu / built.tracks.length).toFixed(3)} s/track), disk ${((await dirBytes(dir)) / 2 ** 20).toFixed(0)} MiB`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await renderSpeed();
await separability();
if (FULL) await fullBuild();
