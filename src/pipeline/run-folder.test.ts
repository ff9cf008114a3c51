import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { assertOutputApartFromInputs, RUN_MARKER, RunFolder } from './run-folder.js';

describe('RunFolder', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-runfolder-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('creates a new folder with its marker, and resumes it later', async () => {
    const dir = join(base, 'new', 'run');
    const f = await RunFolder.claim(dir);
    assert.deepEqual(readdirSync(dir), [RUN_MARKER]);
    writeFileSync(f.path('metrics.json'), '{}');
    const g = await RunFolder.claim(dir);
    assert.equal(g.root, f.root);
    assert.equal((await RunFolder.open(dir)).root, f.root);
  });

  it('claims an empty existing folder', async () => {
    const dir = join(base, 'empty');
    mkdirSync(dir);
    await RunFolder.claim(dir);
    assert.ok(readdirSync(dir).includes(RUN_MARKER));
  });

  it('refuses a folder of someone else’s files and leaves it untouched', async () => {
    const dir = join(base, 'theirs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'thesis.tex'), 'precious');
    await assert.rejects(RunFolder.claim(dir), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /not from a b2m run \(thesis\.tex\)/);
      return true;
    });
    assert.deepEqual(readdirSync(dir), ['thesis.tex']);
    assert.equal(readFileSync(join(dir, 'thesis.tex'), 'utf8'), 'precious');
  });

  it('refuses a regular file, and a forged marker', async () => {
    const file = join(base, 'afile');
    writeFileSync(file, 'x');
    await assert.rejects(RunFolder.claim(file), /not a folder/);
    const dir = join(base, 'forged');
    mkdirSync(dir);
    writeFileSync(join(dir, RUN_MARKER), '{"tool":"other"}');
    await assert.rejects(RunFolder.claim(dir), /not written by b2m run/);
  });

  it('refuses an output that is, contains or lies inside an input', () => {
    const ds = join(base, 'dataset');
    mkdirSync(ds);
    assert.throws(() => assertOutputApartFromInputs(ds, { '--dataset': ds }), /is an input/);
    assert.throws(
      () => assertOutputApartFromInputs(join(ds, 'derivatives', 'run'), { '--dataset': ds }),
      /lies inside/,
    );
    assert.throws(() => assertOutputApartFromInputs(base, { '--dataset': ds }), /contains an input/);
    assert.throws(() => assertOutputApartFromInputs(join(ds, 'x', '..'), { '--dataset': ds }), /is an input/);
    assertOutputApartFromInputs(join(base, 'elsewhere'), { '--dataset': ds, other: undefined });
  });

  it('open() refuses a folder that is not a run', async () => {
    await assert.rejects(RunFolder.open(base), /not a b2m run folder/);
  });
});
