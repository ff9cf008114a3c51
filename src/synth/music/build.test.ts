import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { decodeAudioFile } from '../../audio/index.js';
import { hashFile } from '../../util/hash.js';
import { ATTRIBUTE_VECTOR_NAMES } from './attributes.js';
import { type BuiltMusic, buildMusic, libraryTrackIds, parseTrackId } from './build.js';
import { PEAK_CEILING } from './render.js';

const IDS = ['jazz.00054', 'metal.00003'];
const OPTS = { trackIds: IDS, extraPerGenre: 1, durationS: 3, seed: 7 };

async function listFiles(dir: string, base = dir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p, base)));
    else out.push(p.slice(base.length + 1));
  }
  return out.sort();
}

describe('buildMusic', () => {
  let dirA: string;
  let dirB: string;
  let built: BuiltMusic;
  before(async () => {
    dirA = await mkdtemp(join(tmpdir(), 'b2m-music-a-'));
    dirB = await mkdtemp(join(tmpdir(), 'b2m-music-b-'));
    built = await buildMusic({ ...OPTS, root: dirA, workers: 1 });
    await buildMusic({ ...OPTS, root: dirB, workers: 2 });
  });
  after(async () => {
    await rm(dirA, { recursive: true, force: true });
    await rm(dirB, { recursive: true, force: true });
  });

  it('writes the agreed layout', async () => {
    const files = await listFiles(dirA);
    for (const f of [
      'sourcedata/gtzan/jazz/jazz.00054.wav',
      'sourcedata/gtzan/metal/metal.00003.wav',
      'sourcedata/library/pop/pop.00100.wav',
      'stimuli/attributes.tsv',
      'stimuli/captions.tsv',
      'derivatives/simulation/music/attribute_vectors.tsv',
      'derivatives/simulation/music/tracks.json',
      'derivatives/simulation/music/scores.jsonl.gz',
      'derivatives/simulation/music/midi/jazz.00054.mid',
    ])
      assert.ok(files.includes(f), f);
    assert.equal(files.filter((f) => f.startsWith('sourcedata/library/')).length, 10);
    assert.ok(!files.some((f) => f.includes('.tmp-')), 'no temporary files left');
  });

  it('is byte-identical for the same seed, with or without worker threads', async () => {
    const a = await listFiles(dirA);
    assert.deepEqual(a, await listFiles(dirB));
    for (const f of a) assert.equal(await hashFile(join(dirA, f)), await hashFile(join(dirB, f)), f);
  });

  it('writes 22,050 Hz mono 16-bit audio of the right length that never clips', async () => {
    for (const t of built.tracks) {
      const audio = await decodeAudioFile(t.path);
      assert.equal(audio.sampleRate, 22050);
      assert.equal(audio.channels.length, 1);
      const x = audio.channels[0] as Float32Array;
      assert.equal(x.length, 3 * 22050);
      let peak = 0;
      let ss = 0;
      for (const v of x) {
        peak = Math.max(peak, Math.abs(v));
        ss += v * v;
      }
      assert.ok(peak <= PEAK_CEILING + 1 / 32768, `${t.id} peak ${peak}`);
      const db = 10 * Math.log10(ss / x.length);
      assert.ok(db > -30 && db < -10, `${t.id} ${db} dBFS`);
    }
  });

  it('tables every track with its attributes, caption and vector', async () => {
    const ids = [...IDS, ...libraryTrackIds(1)].sort((a, b) => (a < b ? -1 : 1));
    const rows = (await readFile(built.attributesPath, 'utf8')).trim().split('\n');
    assert.equal(rows.length, 1 + 12);
    const header = (rows[0] as string).split('\t');
    const idCol = header.indexOf('id');
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => r.split('\t')[idCol])
        .sort(),
      ids,
    );
    for (const r of rows.slice(1)) assert.equal(r.split('\t').length, header.length);
    const caps = (await readFile(built.captionsPath, 'utf8')).trim().split('\n').slice(1);
    assert.equal(caps.length, 12);
    for (const c of caps) assert.ok((c.split('\t')[1] as string).length > 80);
    assert.equal(built.vectors.rows, 12);
    assert.equal(built.vectors.cols, ATTRIBUTE_VECTOR_NAMES.length);
    const roles = new Map(built.tracks.map((t) => [t.id, t.role]));
    assert.equal(roles.get('jazz.00054'), 'stimulus');
    assert.equal(roles.get('jazz.00100'), 'library');
    const scores = gunzipSync(await readFile(join(dirA, 'derivatives/simulation/music/scores.jsonl.gz')))
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; notes: number[][] });
    assert.equal(scores.length, 12);
    for (const s of scores)
      assert.ok(s.notes.length > 0 && s.notes.every((n) => n.length === 5 && (n[0] as number) < 3));
  });

  it('rejects bad track ids and options with a UserError', async () => {
    assert.throws(() => parseTrackId('techno.00001'), { name: 'UserError' });
    assert.throws(() => parseTrackId('jazz.1'), { name: 'UserError' });
    await assert.rejects(buildMusic({ root: dirA, trackIds: ['jazz.0001'] }), { name: 'UserError' });
    await assert.rejects(
      buildMusic({ root: dirA, trackIds: [], soundfont: 'TimGM6mb' }),
      /unknown soundfont/,
    );
  });
});
