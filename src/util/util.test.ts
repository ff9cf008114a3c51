import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { openAtomicStream, writeDirAtomic, writeFileAtomic } from './atomic.js';
import { UserError } from './errors.js';
import { hashBytes, hashJson, stableStringify } from './hash.js';
import { ConsoleProgress, formatSeconds } from './progress.js';
import { Rng } from './rng.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'b2m-util-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xa = Array.from({ length: 5 }, () => a.nextU32());
    const xb = Array.from({ length: 5 }, () => b.nextU32());
    const xc = Array.from({ length: 5 }, () => c.nextU32());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });

  it('draws uniforms in [0,1) and normals with the right moments', () => {
    const r = new Rng(7);
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < n; i++) {
      const u = r.uniform();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    assert.ok(lo >= 0 && hi < 1);
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard errors: mean 1/sqrt(n) ≈ 0.0022, variance sqrt(2/n) ≈ 0.0032.
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.015, `variance ${variance}`);
  });

  it('int() covers its inclusive range evenly', () => {
    const r = new Rng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.int(0, 3)]!++;
    for (const c of counts) assert.ok(Math.abs(c - 10_000) < 500, `counts ${counts}`);
  });

  it('fork() gives independent, reproducible streams', () => {
    const a = new Rng(5).fork('sub-001').uniform();
    const b = new Rng(5).fork('sub-001').uniform();
    const c = new Rng(5).fork('sub-002').uniform();
    assert.equal(a, b);
    assert.notEqual(a, c);
  });

  it('shuffle() is a permutation', () => {
    const xs = new Rng(3).shuffle(Array.from({ length: 100 }, (_, i) => i));
    assert.deepEqual(
      [...xs].sort((p, q) => p - q),
      Array.from({ length: 100 }, (_, i) => i),
    );
  });
});

describe('hash', () => {
  it('stableStringify sorts keys at every depth', () => {
    assert.equal(
      stableStringify({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }),
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    assert.equal(hashJson({ a: 1, b: 2 }), hashJson({ b: 2, a: 1 }));
  });

  it('hashBytes matches the known SHA-256 of "abc"', () => {
    assert.equal(
      hashBytes(new TextEncoder().encode('abc')),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });
});

describe('atomic writes', () => {
  it('writeFileAtomic creates parents and leaves no temp file', async () => {
    const d = await tempDir();
    const p = join(d, 'a', 'b', 'out.txt');
    await writeFileAtomic(p, 'hello');
    assert.equal(await readFile(p, 'utf8'), 'hello');
    assert.deepEqual(await readdir(join(d, 'a', 'b')), ['out.txt']);
  });

  it('writeFileAtomic into an unwritable place is a UserError', async () => {
    const d = await tempDir();
    await writeFile(join(d, 'file'), 'x');
    await assert.rejects(writeFileAtomic(join(d, 'file', 'child.txt'), 'y'), UserError);
  });

  it('an aborted stream leaves nothing behind; a committed one appears whole', async () => {
    const d = await tempDir();
    const p = join(d, 'big.bin');
    const s1 = await openAtomicStream(p);
    s1.stream.write('partial');
    await s1.abort();
    assert.deepEqual(await readdir(d), []);
    const s2 = await openAtomicStream(p);
    s2.stream.write('whole');
    await s2.commit();
    assert.equal(await readFile(p, 'utf8'), 'whole');
    assert.deepEqual(await readdir(d), ['big.bin']);
  });

  it('writeDirAtomic replaces a folder only when the new one is complete', async () => {
    const d = await tempDir();
    const out = join(d, 'run');
    await writeDirAtomic(out, async (tmp) => writeFile(join(tmp, 'v1.txt'), '1'));
    await assert.rejects(
      writeDirAtomic(out, async (tmp) => {
        await writeFile(join(tmp, 'v2.txt'), '2');
        throw new Error('crash mid-way');
      }),
      /crash mid-way/,
    );
    assert.deepEqual(await readdir(out), ['v1.txt']);
    assert.deepEqual(await readdir(d), ['run']);
    await writeDirAtomic(out, async (tmp) => writeFile(join(tmp, 'v3.txt'), '3'));
    assert.deepEqual(await readdir(out), ['v3.txt']);
  });
});

describe('UserError', () => {
  it('formats file, line, column, field and hint', () => {
    const e = new UserError('onset is not a number', {
      file: 'x_events.tsv',
      line: 3,
      column: 'onset',
      hint: 'write seconds as a decimal number',
    });
    assert.equal(
      e.format(),
      'x_events.tsv:3:onset: onset is not a number\n  fix: write seconds as a decimal number',
    );
    assert.equal(new UserError('bad', { field: 'alphas' }).format(), '[alphas]: bad');
  });
});

describe('ConsoleProgress', () => {
  it('prints quiet start/finish lines when not a TTY', () => {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (c) => (text += c));
    const p = new ConsoleProgress({ stream: sink as unknown as NodeJS.WriteStream, tty: false });
    p.start('embedding', 3);
    p.update(1);
    p.update(3);
    p.finish();
    assert.match(text, /^embedding: started \(3\)\nembedding: done 3\/3 in \d+\.\d s\n$/);
  });

  it('formats durations', () => {
    assert.equal(formatSeconds(5), '5s');
    assert.equal(formatSeconds(125), '2m05s');
    assert.equal(formatSeconds(7260), '2h01m');
  });
});
