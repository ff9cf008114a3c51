/**
 * A small but complete run folder, written exactly as the run-folder contract
 * describes (marker, config, manifest, metrics, clips, predictions, audio,
 * retrieval, generation, encoding, listening answers), so the report and the
 * studio can be built, tested and shown before a real run exists. Every number
 * is computed from the synthetic predictions it writes (identification from the
 * correlation matrix, ranks, retrieval hits), never typed in; audio is real MP3,
 * maps are real NIfTI. Any part can be left out to exercise "stage has not run".
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeMp3 } from '../audio/encode.js';
import { pearson } from '../evaluate/correlation.js';
import { identificationFromCorrelation } from '../evaluate/identification.js';
import { type MetricsFile, type MetricValue, summarise } from '../evaluate/metrics-schema.js';
import { strictWinsTable } from '../evaluate/permutation.js';
import { retrievalRanks } from '../evaluate/retrieval-rank.js';
import { GTZAN_GENRES } from '../io/bids/genres.js';
import { writeNifti } from '../io/nifti/index.js';
import { writeNpy } from '../io/npy.js';
import { writeFileAtomic } from '../util/atomic.js';
import { Rng } from '../util/rng.js';
import { VERSION } from '../version.js';

export const GENRES = GTZAN_GENRES;

export interface FixtureParts {
  predictions?: boolean;
  retrieval?: boolean;
  generation?: boolean;
  encoding?: boolean;
  listening?: boolean;
}

export interface FixtureOptions {
  subjects?: string[];
  /** Test clips per genre (the real design has 6 → 60). */
  testPerGenre?: number;
  decoders?: string[];
  generators?: string[];
  /** Length of every MP3 (s); real runs keep 15 s. */
  seconds?: number;
  /** Which stage outputs exist (default: all). */
  parts?: FixtureParts;
  /** Where the subject anatomy (a BIDS-like dataset) is written; default: a sibling `<run>-dataset`. */
  datasetDir?: string;
  /** Audio sample rate (an MP3 rate; default 16 kHz). */
  sampleRate?: number;
  seed?: number;
}

const DIM = 16;
const N_WINDOWS = 4;
const ROIS = [
  { index: 1, name: 'G_temp_sup-G_T_transv' },
  { index: 2, name: 'G_temp_sup-Lateral' },
  { index: 3, name: 'S_temporal_transverse' },
  { index: 4, name: 'G_temp_sup-Plan_tempo' },
  { index: 5, name: 'S_temporal_sup' },
  { index: 6, name: 'G_front_inf-Opercular' },
  { index: 7, name: 'G_occipital_middle' },
  { index: 8, name: 'G_parietal_sup' },
  { index: 9, name: 'G_front_sup' },
  { index: 10, name: 'G_temporal_middle' },
];

/** A tone per genre (different pitch and rhythm) so spectrograms differ visibly. */
function synthClip(
  genreIdx: number,
  variant: number,
  seconds: number,
  rng: Rng,
  noise: number,
  SR: number,
): Float32Array {
  const n = Math.round(seconds * SR);
  const out = new Float32Array(n);
  const f0 = 110 * 2 ** ((genreIdx * 3 + (variant % 5)) / 12);
  const beat = 1.5 + (genreIdx % 4) * 0.5;
  for (let i = 0; i < n; i++) {
    const t = i / SR;
    const env = 0.5 + 0.5 * Math.cos(2 * Math.PI * beat * t) ** 2;
    let s = 0;
    for (let h = 1; h <= 4; h++) s += Math.sin(2 * Math.PI * f0 * h * t) / h;
    out[i] = 0.25 * env * s + noise * (rng.uniform() * 2 - 1);
  }
  return out;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s / xs.length;
};

function bootstrapCi(xs: Float64Array, rng: Rng, b = 200): [number, number] {
  const ms: number[] = [];
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let i = 0; i < xs.length; i++) s += xs[rng.int(0, xs.length - 1)] as number;
    ms.push(s / xs.length);
  }
  ms.sort((a, c) => a - c);
  return [ms[Math.floor(0.025 * b)] as number, ms[Math.floor(0.975 * b)] as number];
}

interface Clip {
  id: string;
  genre: string;
  split: 'train' | 'test';
  caption?: string;
  attributes?: Record<string, unknown>;
}

function makeClips(testPerGenre: number, rng: Rng): Clip[] {
  const clips: Clip[] = [];
  const moods = ['calm', 'tense', 'joyful', 'melancholic', 'energetic'];
  const instruments = ['piano', 'electric_guitar', 'bass', 'drums', 'strings', 'brass', 'organ'];
  for (const genre of GENRES) {
    for (let k = 0; k < 54; k++) {
      const split = k < testPerGenre ? 'test' : 'train';
      const tempo = Math.round(rng.range(70, 150));
      const mood = rng.pick(moods);
      const inst = [rng.pick(instruments), rng.pick(instruments)].filter((v, i, a) => a.indexOf(v) === i);
      clips.push({
        id: `${genre}.${String(k * 2).padStart(5, '0')}`,
        genre,
        split,
        caption: `A ${mood} ${genre} piece with ${inst.join(' and ').replace(/_/g, ' ')}, around ${tempo} BPM.`,
        attributes: { tempo, mood, instruments: inst },
      });
    }
  }
  return clips;
}

function metric(value: number, chance: number, extra: Partial<MetricValue> = {}): MetricValue {
  return { value, chance, better: 'higher', ...extra };
}

/** Writes the fixture run into `runDir` (created); returns the subject list and test clip ids. */
export async function writeFixtureRun(
  runDir: string,
  opts: FixtureOptions = {},
): Promise<{ runDir: string; subjects: string[]; testClips: string[]; datasetDir: string }> {
  const root = resolve(runDir);
  const subjects = opts.subjects ?? ['sub-001', 'sub-002'];
  const decoders = opts.decoders ?? ['roi-ensemble', 'whole-cortex'];
  const generators = opts.generators ?? ['composer'];
  const seconds = opts.seconds ?? 2;
  const SR = opts.sampleRate ?? 16000;
  const parts: Required<FixtureParts> = {
    predictions: true,
    retrieval: true,
    generation: true,
    encoding: true,
    listening: true,
    ...opts.parts,
  };
  const datasetDir = resolve(opts.datasetDir ?? join(dirname(root), `${basename(root)}-dataset`));
  const rng = new Rng(opts.seed ?? 7);
  await mkdir(root, { recursive: true });
  const json = (rel: string, v: unknown) =>
    writeFileAtomic(join(root, rel), `${JSON.stringify(v, null, 2)}\n`);

  await json('.b2m-run.json', {
    tool: 'brain2music',
    kind: 'run',
    version: VERSION,
    createdAt: '2026-01-01T00:00:00.000Z',
  });
  // Shaped like the resolved RunConfig (src/pipeline/config.ts) without importing the pipeline,
  // which sits above this folder.
  const config = {
    subjects,
    seed: opts.seed ?? 7,
    mask: { kind: 'cortex' },
    embedder: { name: 'dsp', windowSeconds: 10, strideSeconds: 1.5 },
    preprocess: { delayScans: 3, detrendSeconds: 240, zscore: true },
    decode: { decoders, alphas: 'logspace:-2:6:17', cvFolds: 5, params: {} },
    generate: { enabled: parts.generation, generators, candidates: 3, params: {} },
    encode: { enabled: parts.encoding, features: ['dsp', 'genre'], delays: [1, 2, 3, 4] },
    report: { enabled: true },
  };
  await json('config.json', config);

  const clips = makeClips(opts.testPerGenre ?? 6, rng.fork('clips'));
  await json('clips.json', clips);
  const test = clips.filter((c) => c.split === 'test');
  const n = test.length;

  // Originals.
  for (const c of test) {
    const g = GENRES.indexOf(c.genre as (typeof GENRES)[number]);
    const x = synthClip(g, Number(c.id.slice(-5)), seconds, rng.fork(c.id), 0.01, SR);
    await writeMp3(join(root, 'audio', 'stimuli', `${c.id}.mp3`), x, SR, { kbps: 32 });
  }
  // Library: 3 tracks per genre.
  const library = GENRES.flatMap((genre) =>
    [0, 1, 2].map((k) => ({ track: `${genre}.${String(100 + k).padStart(5, '0')}`, genre })),
  );

  const metrics: MetricsFile = {
    schema: 'brain2music/metrics@1',
    subjects,
    embedder: config.embedder.name,
    decoding: {},
    skipped: {},
  };
  const stageSeconds: Array<{
    stage: string;
    label: string;
    key: string;
    seconds: number;
    peakRssBytes: number;
    cached: boolean;
  }> = [];

  const usedLibrary = new Set<string>();
  for (const [di, dec] of decoders.entries()) {
    const perSubject: Record<string, Record<string, MetricValue>> = {};
    const perGenre: Record<string, Record<string, number>> = {};
    for (const [si, sub] of subjects.entries()) {
      const r = rng.fork(`${sub}/${dec}`);
      const truth = new Float32Array(n * N_WINDOWS * DIM);
      r.fillNormal(truth);
      // Genre structure, so per-genre identification varies.
      for (let i = 0; i < n; i++) {
        const g = GENRES.indexOf(test[i]?.genre as (typeof GENRES)[number]);
        for (let w = 0; w < N_WINDOWS; w++) truth[(i * N_WINDOWS + w) * DIM + (g % DIM)] += 1.5;
      }
      const signal = 0.2 + 0.08 * di - 0.04 * si;
      const pred = new Float32Array(truth.length);
      for (let k = 0; k < truth.length; k++) pred[k] = signal * (truth[k] as number) + r.normal();
      const dir = join(root, 'predictions', sub, dec);
      if (parts.predictions) {
        await writeNpy(join(dir, 'pred_test.npy'), pred, [n, N_WINDOWS, DIM]);
        await writeNpy(join(dir, 'true_test.npy'), truth, [n, N_WINDOWS, DIM]);
        await writeFileAtomic(
          join(dir, 'clips.csv'),
          `row,clip,genre\n${test.map((c, i) => `${i},${c.id},${c.genre}`).join('\n')}\n`,
        );
      }
      const L = N_WINDOWS * DIM;
      const C = new Float64Array(n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          C[i * n + j] = pearson(pred.subarray(i * L, (i + 1) * L), truth.subarray(j * L, (j + 1) * L));
      const { perItem: acc, accuracy: ident } = identificationFromCorrelation(C, n);
      const rankOf = retrievalRanks(C, n);
      const ranks: Record<string, number> = {};
      for (let i = 0; i < n; i++) ranks[test[i]?.id as string] = rankOf[i] as number;
      if (parts.predictions) await json(`predictions/${sub}/${dec}/ranks.json`, ranks);
      // The permutations draw from the fixture's one stream `r` (so the numbers after
      // them stay as they were); the strict wins come from the evaluate module.
      const wins = strictWinsTable(C, n);
      let observed = 0;
      for (let i = 0; i < n; i++) observed += wins[i * n + i] as number;
      let exceed = 0;
      const nPerm = 199;
      for (let p = 0; p < nPerm; p++) {
        const perm = Int32Array.from({ length: n }, (_, i) => i);
        r.shuffle(perm as unknown as number[]);
        let w = 0;
        for (let i = 0; i < n; i++) w += wins[i * n + (perm[i] as number)] as number;
        if (w >= observed) exceed++;
      }
      const rankList = test.map((c) => ranks[c.id] as number);
      const rs: number[] = [];
      for (let d = 0; d < DIM; d++) {
        const a: number[] = [];
        const b: number[] = [];
        for (let i = 0; i < n * N_WINDOWS; i++) {
          a.push(pred[i * DIM + d] as number);
          b.push(truth[i * DIM + d] as number);
        }
        rs.push(pearson(a, b));
      }
      perSubject[sub] = {
        identification: metric(ident, 0.5, {
          p: (exceed + 1) / (nPerm + 1),
          nPermutations: nPerm,
          ci95: bootstrapCi(acc, r),
          n,
        }),
        embeddingR: metric(mean(rs), 0, { n: DIM }),
        'retrieval60.top1': metric(rankList.filter((k) => k === 1).length / n, 1 / n, { n }),
        'retrieval60.top5': metric(rankList.filter((k) => k <= 5).length / n, Math.min(5, n) / n, { n }),
        'retrieval60.meanRank': { value: mean(rankList), chance: (n + 1) / 2, better: 'lower', n },
      };
      perGenre[sub] = Object.fromEntries(
        GENRES.map((g) => [g, mean(Array.from(acc).filter((_, i) => test[i]?.genre === g))]),
      );
    }
    const names = Object.keys(perSubject[subjects[0] as string] ?? {});
    metrics.decoding[dec] = {
      perSubject,
      summary: Object.fromEntries(
        names.map((m) => {
          const first = perSubject[subjects[0] as string]?.[m] as MetricValue;
          return [
            m,
            summarise(
              subjects.map((s) => perSubject[s]?.[m]?.value ?? null),
              first.chance,
              first.better,
            ),
          ];
        }),
      ),
      details: { perGenreIdentification: perGenre },
    };
    stageSeconds.push({
      stage: 'decode',
      label: dec,
      key: `k${di}`,
      seconds: 1.5,
      peakRssBytes: 2e8,
      cached: false,
    });
  }

  // Retrieval.
  if (parts.retrieval) {
    metrics.retrieval = {};
    for (const dec of decoders) {
      const perSubject: Record<string, Record<string, MetricValue>> = {};
      for (const sub of subjects) {
        const r = rng.fork(`ret/${sub}/${dec}`);
        const rows = test.map((c) => {
          const pickTracks = (pSame: number) =>
            [0, 1, 2].map((k) => {
              const same = r.chance(pSame);
              const pool = library.filter((t) => (same ? t.genre === c.genre : t.genre !== c.genre));
              const t = r.pick(pool);
              return {
                track: t.track,
                genre: t.genre,
                score: Number((0.9 - 0.1 * k - 0.2 * r.uniform()).toFixed(4)),
              };
            });
          return { clip: c.id, genre: c.genre, brain: pickTracks(0.55), oracle: pickTracks(0.85) };
        });
        for (const row of rows) for (const t of [...row.brain, ...row.oracle]) usedLibrary.add(t.track);
        await json(`retrieval/${sub}/${dec}.json`, {
          clips: rows,
          library: { n: library.length, root: 'library' },
        });
        const hit = (k: 'brain' | 'oracle') =>
          mean(rows.map((row) => (row[k][0]?.genre === row.genre ? 1 : 0)));
        perSubject[sub] = {
          'genreMatch.brain': metric(hit('brain'), 0.1, { n }),
          'genreMatch.oracle': metric(hit('oracle'), 0.1, { n }),
        };
      }
      metrics.retrieval[dec] = {
        perSubject,
        summary: Object.fromEntries(
          ['genreMatch.brain', 'genreMatch.oracle'].map((m) => [
            m,
            summarise(
              subjects.map((s) => perSubject[s]?.[m]?.value ?? null),
              0.1,
            ),
          ]),
        ),
      };
    }
    for (const track of usedLibrary) {
      const genre = track.split('.')[0] as string;
      const g = GENRES.indexOf(genre as (typeof GENRES)[number]);
      const x = synthClip(g, Number(track.slice(-5)) + 2, seconds, rng.fork(track), 0.03, SR);
      await writeMp3(join(root, 'audio', 'library', `${track}.mp3`), x, SR, { kbps: 32 });
    }
  } else metrics.skipped.retrieval = 'not run in this fixture';

  // Generation.
  if (parts.generation) {
    metrics.reconstruction = {};
    for (const gen of generators) {
      const perSubject: Record<string, Record<string, MetricValue>> = {};
      for (const sub of subjects) {
        const r = rng.fork(`gen/${sub}/${gen}`);
        const rows = [];
        for (const c of test) {
          const g = GENRES.indexOf(c.genre as (typeof GENRES)[number]);
          const guessG = r.chance(0.6) ? g : r.int(0, GENRES.length - 1);
          const x = synthClip(guessG, r.int(0, 9), seconds, r, 0.05, SR);
          const rel = `audio/generated/${sub}/${gen}/${c.id}.mp3`;
          await writeMp3(join(root, rel), x, SR, { kbps: 32 });
          const attributes = { genre: GENRES[guessG], tempo: Math.round(r.range(70, 150)), mood: 'calm' };
          await json(`audio/generated/${sub}/${gen}/${c.id}.json`, {
            clip: c.id,
            generator: gen,
            seed: 1,
            attributes,
          });
          rows.push({
            clip: c.id,
            kept: { audio: rel, score: Number(r.range(0.2, 0.6).toFixed(4)) },
            candidates: [0, 1, 2].map((k) => ({ index: k, score: Number(r.range(0, 0.6).toFixed(4)) })),
            attributes,
            prompt: `${attributes.genre}, ${attributes.tempo} BPM, ${attributes.mood}`,
          });
        }
        await json(`generation/${sub}/${gen}.json`, { clips: rows });
        const genreHits = mean(rows.map((row, i) => (row.attributes.genre === test[i]?.genre ? 1 : 0)));
        // The generation stage's naming: the brain's metric bare, baselines prefixed.
        perSubject[sub] = {
          identification: metric(0.5 + 0.2 * r.uniform(), 0.5, { n }),
          genre_top2: metric(genreHits, 0.2, { n }),
          tempo_error_bpm: metric(10 + 5 * r.uniform(), 17.6, { n, better: 'lower' }),
          'oracle.identification': metric(0.85 + 0.1 * r.uniform(), 0.5, { n }),
          'oracle.genre_top2': metric(0.8, 0.2, { n }),
          'oracle.tempo_error_bpm': metric(8, 17.6, { n, better: 'lower' }),
          'random.identification': metric(0.45 + 0.1 * r.uniform(), 0.5, { n }),
          'random.genre_top2': metric(0.25, 0.2, { n }),
          'random.tempo_error_bpm': metric(17, 17.6, { n, better: 'lower' }),
        };
      }
      const names = Object.keys(perSubject[subjects[0] as string] ?? {});
      metrics.reconstruction[gen] = {
        perSubject,
        summary: Object.fromEntries(
          names.map((m) => [
            m,
            summarise(
              subjects.map((s) => perSubject[s]?.[m]?.value ?? null),
              perSubject[subjects[0] as string]?.[m]?.chance ?? 0,
            ),
          ]),
        ),
      };
    }
  } else metrics.skipped.generation = 'not run in this fixture';

  // Encoding.
  if (parts.encoding) {
    metrics.encoding = {};
    const spaces = ['dsp', 'genre'];
    const enc: Record<string, Record<string, Record<string, MetricValue>>> = { dsp: {}, genre: {} };
    for (const sub of subjects) {
      const res = await writeEncodingFixture(root, datasetDir, sub, spaces, rng.fork(`enc/${sub}`));
      for (const s of spaces) {
        (enc[s] as Record<string, Record<string, MetricValue>>)[sub] = {
          meanR: metric(res.meanR[s] as number, 0, { n: res.nVoxels }),
          fractionSignificant: metric(res.fracSig[s] as number, 0.05, { n: res.nVoxels }),
        };
      }
    }
    for (const s of spaces) {
      const perSubject = enc[s] as Record<string, Record<string, MetricValue>>;
      metrics.encoding[s] = {
        perSubject,
        summary: {
          meanR: summarise(
            subjects.map((x) => perSubject[x]?.meanR?.value ?? null),
            0,
          ),
          fractionSignificant: summarise(
            subjects.map((x) => perSubject[x]?.fractionSignificant?.value ?? null),
            0.05,
          ),
        },
      };
    }
  } else metrics.skipped.encoding = 'not run in this fixture';

  await json('metrics.json', metrics);

  if (parts.listening) {
    const r = rng.fork('listening');
    const lines: string[] = [];
    for (let k = 0; k < 24; k++) {
      const c = test[k % n] as Clip;
      lines.push(
        JSON.stringify({
          time: new Date(Date.UTC(2026, 0, 1, 12, k)).toISOString(),
          rater: k < 12 ? 'ana' : 'ben',
          subject: subjects[0],
          clip: c.id,
          a: { kind: 'brain', audio: `audio/generated/${subjects[0]}/${generators[0]}/${c.id}.mp3` },
          b: {
            kind: 'shuffled',
            audio: `audio/generated/${subjects[0]}/${generators[0]}/${test[(k + 7) % n]?.id}.mp3`,
          },
          choice: r.chance(0.75) ? 'a' : 'b',
        }),
      );
    }
    await mkdir(join(root, 'listening'), { recursive: true });
    await writeFile(join(root, 'listening', 'answers.jsonl'), `${lines.join('\n')}\n`);
  }

  await json('manifest.json', {
    tool: 'brain2music',
    version: VERSION,
    node: process.version,
    backend: 'portable',
    machine: { cpus: 2, memGiB: 8, platform: 'linux' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:10:00.000Z',
    inputs: {
      dataset: { root: datasetDir, hash: 'fixture' },
      library: { root: join(datasetDir, 'sourcedata', 'library'), hash: 'fixture' },
    },
    stages: stageSeconds,
  });
  return { runDir: root, subjects, testClips: test.map((c) => c.id), datasetDir };
}

/** Grid of the fixture brain: 3-mm voxels, RAS affine centred on the origin. */
const DIMS = [40, 48, 40] as const;
const VOX = 3;

function affine(): number[][] {
  return [
    [VOX, 0, 0, (-VOX * (DIMS[0] - 1)) / 2],
    [0, VOX, 0, (-VOX * (DIMS[1] - 1)) / 2],
    [0, 0, VOX, (-VOX * (DIMS[2] - 1)) / 2],
    [0, 0, 0, 1],
  ];
}

async function writeEncodingFixture(
  root: string,
  datasetDir: string,
  sub: string,
  spaces: string[],
  rng: Rng,
): Promise<{ meanR: Record<string, number>; fracSig: Record<string, number>; nVoxels: number }> {
  const [nx, ny, nz] = DIMS;
  const nvox = nx * ny * nz;
  const A = affine();
  const header = {
    dims: [nx, ny, nz],
    affine: A,
    pixdim: [1, VOX, VOX, VOX, 1, 1, 1, 1],
    xyzUnits: 'mm' as const,
  };
  const t1 = new Float32Array(nvox);
  const brain = new Uint8Array(nvox);
  const roi = new Int16Array(nvox);
  const maps: Record<string, Float32Array> = Object.fromEntries(
    spaces.map((s) => [s, new Float32Array(nvox)]),
  );
  const nc = new Float32Array(nvox);
  const preferred = new Int16Array(nvox);
  const sig = new Uint8Array(nvox);
  const idx = (i: number, j: number, k: number) => i + nx * (j + ny * k);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        // mm coordinates
        const x = (i - (nx - 1) / 2) * VOX;
        const y = (j - (ny - 1) / 2) * VOX;
        const z = (k - (nz - 1) / 2) * VOX;
        const e = (x / 55) ** 2 + (y / 68) ** 2 + (z / 52) ** 2;
        const v = idx(i, j, k);
        if (e > 1) continue;
        brain[v] = 1;
        // Bright cortex rim, darker core, ventricles.
        const shell = e > 0.6 ? 1 : 0.65;
        const vent = Math.abs(x) < 6 && Math.abs(y) < 20 && Math.abs(z - 6) < 10 ? 0.25 : 1;
        t1[v] = 600 * shell * vent + 12 * rng.normal();
        if (e < 0.6) continue;
        // Temporal cortex (auditory) left and right, below the midline.
        const temporal = Math.abs(x) > 38 && y > -30 && y < 20 && z > -25 && z < 8;
        const front = y > 35 && z > -5 && z < 25 && Math.abs(x) > 20;
        const occ = y < -50;
        if (temporal) {
          const d = Math.hypot(Math.abs(x) - 48, y + 8, z + 8);
          roi[v] = d < 10 ? 1 : d < 14 ? 3 : y < -12 ? 4 : z < -14 ? 5 : 2;
        } else if (front) roi[v] = 6;
        else if (occ) roi[v] = 7;
        else roi[v] = z > 20 ? 8 : y > 0 ? 9 : 10;
        const heschl = Math.exp(-(Math.hypot(Math.abs(x) - 48, y + 8, z + 8) ** 2) / (2 * 12 ** 2));
        for (const [si, s] of spaces.entries()) {
          const gain =
            si === 0 ? 0.55 : 0.3 * Math.exp(-(Math.hypot(Math.abs(x) - 56, y - 5, z + 12) ** 2) / 200);
          (maps[s] as Float32Array)[v] = gain * (si === 0 ? heschl : 1) + 0.02 * rng.normal();
        }
        nc[v] = Math.min(0.95, 0.2 + 0.7 * heschl + 0.05 * rng.uniform());
      }
  const rOf = (s: string) => maps[s] as Float32Array;
  const meanR: Record<string, number> = {};
  const fracSig: Record<string, number> = {};
  let nBrain = 0;
  for (let v = 0; v < nvox; v++) if (brain[v]) nBrain++;
  for (const s of spaces) {
    let acc = 0;
    let ns = 0;
    for (let v = 0; v < nvox; v++) {
      if (!brain[v]) continue;
      acc += rOf(s)[v] as number;
      if ((rOf(s)[v] as number) > 0.12) ns++;
    }
    meanR[s] = acc / nBrain;
    fracSig[s] = ns / nBrain;
  }
  for (let v = 0; v < nvox; v++) {
    let best = 0;
    let bestR = 0.12;
    for (const [si, s] of spaces.entries()) {
      if ((rOf(s)[v] as number) > bestR) {
        bestR = rOf(s)[v] as number;
        best = si + 1;
      }
    }
    preferred[v] = best;
    sig[v] = (rOf(spaces[0] as string)[v] as number) > 0.12 ? 1 : 0;
  }

  const anatRel = join(sub, 'anat', `${sub}_T1w.nii.gz`);
  await writeNifti(join(datasetDir, anatRel), { header, data: t1 });
  const dsegPath = join(
    datasetDir,
    'derivatives',
    'fmriprep',
    sub,
    'anat',
    `${sub}_space-T1w_desc-aparc.a2009s_dseg.nii.gz`,
  );
  await writeNifti(dsegPath, { header, data: roi });
  await writeFileAtomic(
    dsegPath.replace(/\.nii\.gz$/, '.tsv'),
    `index\tname\n${ROIS.map((r) => `${r.index}\t${r.name}`).join('\n')}\n`,
  );
  const dir = join(root, 'encoding', sub);
  const p = `${sub}_space-T1w`;
  const files: Record<string, Record<string, string>> = {};
  for (const s of spaces) {
    files[s] = {
      r: `${p}_feat-${s}_stat-r_statmap.nii.gz`,
      significant: `${p}_feat-${s}_desc-significant_mask.nii.gz`,
    };
    await writeNifti(join(dir, files[s].r as string), { header, data: rOf(s) });
    await writeNifti(join(dir, files[s].significant as string), {
      header,
      data: Uint8Array.from(rOf(s), (x) => (x > 0.12 ? 1 : 0)),
    });
  }
  await writeNifti(join(dir, `${p}_stat-noiseceiling_statmap.nii.gz`), { header, data: nc });
  await writeNifti(join(dir, `${p}_desc-preferred_dseg.nii.gz`), { header, data: preferred });
  await writeFileAtomic(
    join(dir, `${p}_desc-preferred_dseg.tsv`),
    `index\tname\n0\tnone\n${spaces.map((s, i) => `${i + 1}\t${s}`).join('\n')}\n`,
  );
  // Test time courses of the significant voxels: measured and predicted.
  const tcVox: number[] = [];
  for (let v = 0; v < nvox; v++) if (sig[v]) tcVox.push(v);
  const T = 40;
  const measured = new Float32Array(T * tcVox.length);
  const predicted = new Float32Array(T * tcVox.length);
  for (let c = 0; c < tcVox.length; c++) {
    const r = rOf(spaces[0] as string)[tcVox[c] as number] as number;
    for (let t = 0; t < T; t++) {
      const s = Math.sin(t / 3 + c * 0.01) + 0.5 * Math.sin(t / 1.3);
      predicted[t * tcVox.length + c] = s;
      measured[t * tcVox.length + c] = s * r * 2 + rng.normal() * (1 - r);
    }
  }
  await writeNpy(join(dir, `${sub}_desc-test_voxels.npy`), Int32Array.from(tcVox), [tcVox.length]);
  await writeNpy(join(dir, `${sub}_feat-${spaces[0]}_desc-measured_timecourses.npy`), measured, [
    T,
    tcVox.length,
  ]);
  await writeNpy(join(dir, `${sub}_feat-${spaces[0]}_desc-predicted_timecourses.npy`), predicted, [
    T,
    tcVox.length,
  ]);

  // ROI table and hierarchy, computed from the maps just written.
  const rois = ROIS.map((roiDef) => {
    const row: Record<string, unknown> = { roi: roiDef.name, index: roiDef.index };
    let count = 0;
    const sums: Record<string, number> = {};
    let ncSum = 0;
    const pref: number[] = new Array(spaces.length + 1).fill(0);
    for (let v = 0; v < nvox; v++) {
      if (roi[v] !== roiDef.index) continue;
      count++;
      ncSum += nc[v] as number;
      pref[preferred[v] as number]++;
      for (const s of spaces) sums[s] = (sums[s] ?? 0) + (rOf(s)[v] as number);
    }
    row.nVoxels = count;
    row.meanR = Object.fromEntries(spaces.map((s) => [s, count ? (sums[s] as number) / count : null]));
    row.noiseCeiling = count ? ncSum / count : null;
    const best = pref.slice(1).indexOf(Math.max(...pref.slice(1)));
    row.preferred = spaces[best] ?? null;
    return row;
  });
  const hierarchy = rois.map((row, i) => ({
    roi: row.roi,
    level: i < 5 ? 'auditory' : 'other',
    order: i,
    value: ((row.meanR as Record<string, number | null>)[spaces[0] as string] ?? 0) as number,
  }));
  await writeFileAtomic(
    join(dir, 'encoding.json'),
    `${JSON.stringify(
      {
        subject: sub,
        space: 'T1w',
        spaces,
        anatomy: join(datasetDir, anatRel),
        roiAtlas: { dseg: dsegPath, labels: dsegPath.replace(/\.nii\.gz$/, '.tsv') },
        maps: Object.fromEntries(spaces.map((s) => [s, files[s]])),
        noiseCeiling: `${p}_stat-noiseceiling_statmap.nii.gz`,
        preferred: { dseg: `${p}_desc-preferred_dseg.nii.gz`, labels: `${p}_desc-preferred_dseg.tsv` },
        timecourses: {
          space: spaces[0],
          voxels: `${sub}_desc-test_voxels.npy`,
          measured: `${sub}_feat-${spaces[0]}_desc-measured_timecourses.npy`,
          predicted: `${sub}_feat-${spaces[0]}_desc-predicted_timecourses.npy`,
        },
        rois,
        hierarchy: { metric: `mean r (${spaces[0]})`, rows: hierarchy },
      },
      null,
      2,
    )}\n`,
  );
  return { meanR, fracSig, nVoxels: nBrain };
}
