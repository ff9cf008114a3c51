import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeWav } from '../../audio/wav.js';
import { readNpy } from '../../io/npy.js';
import { main } from '../main.js';

let dir: string;
const wavs: string[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-embed-cli-'));
  for (const hz of [300, 500, 700]) {
    const p = join(dir, `t${hz}.wav`);
    await writeWav(
      p,
      Float32Array.from({ length: 22050 * 4 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / 22050)),
      22050,
    );
    wavs.push(p);
  }
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(args: string[]): Promise<{ code: number; err: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let err = '';
  process.stderr.write = ((chunk: string) => {
    err += chunk;
    return true;
  }) as typeof process.stderr.write;
  process.exitCode = 0;
  try {
    await main(['node', 'b2m', ...args]);
  } finally {
    process.stderr.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { code, err };
}

test('b2m embed writes n_clips × n_windows × dim, the clip order and metadata; the cache serves a rerun', async () => {
  const out = join(dir, 'e', 'dsp.npy');
  const cache = join(dir, 'cache');
  const args = [
    'embed',
    '--audio',
    ...wavs,
    '--window',
    '2',
    '--stride',
    '1',
    '--out',
    out,
    '--cache',
    cache,
    '--workers',
    '1',
  ];
  const first = await run(args);
  assert.equal(first.code, 0, first.err);
  const arr = await readNpy(out);
  assert.deepEqual(arr.shape, [3, 3, 383]);
  assert.equal(arr.dtype, 'float32');
  const order = (await readFile(join(dir, 'e', 'dsp.clips.csv'), 'utf8')).trim().split('\n');
  assert.equal(order[0], 'index,path,sha256');
  assert.match(order[2] as string, /^1,.*t500\.wav,[0-9a-f]{64}$/);
  const meta = JSON.parse(await readFile(join(dir, 'e', 'dsp.json'), 'utf8'));
  assert.equal(meta.embedder, 'dsp');
  assert.equal(meta.blocks.length, 6);
  const again = await run(args);
  assert.match(again.err, /3 cached, 0 computed/);
  assert.deepEqual((await readNpy(out)).data, arr.data);
});

test('b2m embed --standardize-train z-scores with the training clips only', async () => {
  const list = join(dir, 'train.txt');
  await writeFile(list, `${wavs[0]}\n${wavs[1]}\n`);
  const out = join(dir, 'z.npy');
  const r = await run([
    'embed',
    '--audio',
    ...wavs,
    '--window',
    '2',
    '--stride',
    '1',
    '--out',
    out,
    '--no-cache',
    '--standardize-train',
    list,
    '--workers',
    '1',
  ]);
  assert.equal(r.code, 0, r.err);
  const z = await readNpy(out);
  const d = 383;
  // Column means over the 2 training clips × 3 windows are 0.
  for (const j of [0, 100, 300]) {
    let s = 0;
    for (let row = 0; row < 6; row++) s += z.data[row * d + j] as number;
    assert.ok(Math.abs(s / 6) < 1e-4, `column ${j}`);
  }
  const st = JSON.parse(await readFile(join(dir, 'z.standardizer.json'), 'utf8'));
  assert.equal(st.kind, 'standardizer');
  assert.equal(st.mean.length, d);
});

test('b2m embed-text fits tfidf on the captions; bad inputs give exit code 1 with a clear message', async () => {
  const caps = join(dir, 'caps.csv');
  await writeFile(
    caps,
    'id,caption\n1,"A calm jazz piece, piano"\n2,loud metal with drums\n3,happy pop song with synth\n',
  );
  const out = join(dir, 'text.npy');
  const r = await run(['embed-text', '--captions', caps, '--out', out, '--dim', '2']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual((await readNpy(out)).shape, [3, 2]);
  const model = JSON.parse(await readFile(join(dir, 'text.model.json'), 'utf8'));
  assert.equal(model.kind, 'tfidf-svd');

  const bad = await run(['embed', '--audio', join(dir, 'nope.wav'), '--out', join(dir, 'x.npy')]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /nope\.wav: audio path does not exist/);
  const clap = await run([
    'embed',
    '--audio',
    wavs[0]!,
    '-e',
    'clap',
    '--model-dir',
    join(dir, 'none'),
    '--out',
    join(dir, 'x.npy'),
  ]);
  assert.equal(clap.code, 1);
  assert.match(clap.err, /missing.*onnx\/audio_model\.onnx/);
  const noCol = join(dir, 'caps2.csv');
  await writeFile(noCol, 'a,b\n1,2\n');
  const nc = await run(['embed-text', '--captions', noCol, '--out', out]);
  assert.equal(nc.code, 1);
  assert.match(nc.err, /caps2\.csv:1: no "caption" or "text" or "description" column/);
});
