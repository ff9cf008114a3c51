import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { UserError } from '../util/errors.js';
import { applyOverrides, loadRunConfig, RunConfigSchema, resolveConfig } from './config.js';

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UserError, String(e));
    return e;
  }
  assert.fail('expected a UserError');
}

describe('run configuration', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-config-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('defaults are the paper’s', () => {
    const c = resolveConfig({});
    assert.equal(c.preprocess.delayScans, 3);
    assert.equal(c.preprocess.detrendSeconds, 240);
    assert.equal(c.embedder.windowSeconds, 10);
    assert.equal(c.embedder.strideSeconds, 1.5);
    assert.equal(c.decode.cvFolds, 5);
    assert.ok(c.evaluate.permutations >= 1000);
    assert.ok(c.decode.decoders.includes('roi-ensemble'));
    assert.equal(c.mask.kind, 'cortex');
  });

  it('names an unknown key by its path and the nearest valid key', () => {
    const e = userError(() => resolveConfig({ evaluate: { permutation: 10 } }, 'my.yaml'));
    assert.equal(e.location.field, 'evaluate.permutation');
    assert.equal(e.location.file, 'my.yaml');
    assert.match(e.hint ?? '', /did you mean 'evaluate\.permutations'/);
    const top = userError(() => resolveConfig({ decoders: ['x'] }));
    assert.match(top.hint ?? '', /decode/);
  });

  it('names a bad value by its path', () => {
    const e = userError(() => resolveConfig({ decode: { cvFolds: 1 } }));
    assert.equal(e.location.field, 'decode.cvFolds');
    const t = userError(() => resolveConfig({ evaluate: { leaveOneGenreOut: 'whole-cortex' } }));
    assert.equal(t.location.field, 'evaluate.leaveOneGenreOut');
  });

  it('encode.chunkVoxels: 20000 by default; a bad value is named with what it must be', () => {
    assert.equal(resolveConfig({}).encode.chunkVoxels, 20000);
    const e = userError(() => resolveConfig({ encode: { chunkVoxels: 0 } }));
    assert.equal(e.location.field, 'encode.chunkVoxels');
    assert.match(e.message, /at least 1 voxel per encoding job/);
    assert.match(userError(() => resolveConfig({ encode: { chunkVoxels: 2.5 } })).message, /whole number/);
  });

  it('reads YAML and JSON files, and points at the line of a syntax error', async () => {
    const y = join(base, 'c.yaml');
    writeFileSync(y, 'decode:\n  cvFolds: 4\nevaluate:\n  permutations: 2000\n');
    const c = await loadRunConfig({ file: y });
    assert.equal(c.decode.cvFolds, 4);
    assert.equal(c.evaluate.permutations, 2000);
    const j = join(base, 'c.json');
    writeFileSync(j, JSON.stringify({ seed: 7 }));
    assert.equal((await loadRunConfig({ file: j })).seed, 7);
    const bad = join(base, 'bad.yaml');
    writeFileSync(bad, 'decode:\n  cvFolds: [1, 2\nseed: 1\n');
    await assert.rejects(loadRunConfig({ file: bad }), (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.location.file, bad);
      assert.ok((e.location.line ?? 0) >= 2);
      return true;
    });
    await assert.rejects(loadRunConfig({ file: join(base, 'missing.yaml') }), /cannot read the config file/);
    const list = join(base, 'list.yaml');
    writeFileSync(list, '- a\n- b\n');
    await assert.rejects(loadRunConfig({ file: list }), /must be a mapping/);
  });

  it('applies --set overrides as YAML scalars, over the file', async () => {
    const o = applyOverrides({ decode: { cvFolds: 4 } }, [
      'decode.cvFolds=3',
      'decode.decoders=[whole-cortex]',
      'seed=2',
    ]);
    assert.deepEqual(o, { decode: { cvFolds: 3, decoders: ['whole-cortex'] }, seed: 2 });
    assert.throws(() => applyOverrides({}, ['novalue']), /not key=value/);
    assert.throws(() => applyOverrides({ seed: 1 }, ['seed.x=1']), /not a section/);
    const c = await loadRunConfig({ sets: ['decode.alphas=logspace:-1:3:5'] });
    assert.equal(c.decode.alphas, 'logspace:-1:3:5');
  });

  it('the printed config reads back to the same config', () => {
    const c = resolveConfig({ seed: 3 });
    assert.deepEqual(RunConfigSchema.parse(parse(stringify(c))), c);
  });
});
