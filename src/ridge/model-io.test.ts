import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNpy } from '../io/npy.js';
import { Matrix } from '../linalg/matrix.js';
import { Rng } from '../util/rng.js';
import { fitRidgeCV } from './fit.js';
import { loadRidgeModel, saveRidgeModel } from './model-io.js';

describe('ridge model folder', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'b2m-ridge-io-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('saves the numpy contract and loads back an identical predictor', async () => {
    const rng = new Rng(3);
    const X = new Matrix(30, 5, rng.fillNormal(new Float32Array(150)));
    const Y = new Matrix(30, 3, rng.fillNormal(new Float32Array(90)));
    const m = await fitRidgeCV(X, Y, { alphas: [1, 10, 100] });
    const out = join(dir, 'model');
    await saveRidgeModel(out, m);
    assert.deepEqual((await readdir(out)).sort(), [
      'alphas.npy',
      'coef.npy',
      'cv_scores.npy',
      'intercept.npy',
      'model.json',
    ]);
    assert.deepEqual((await readNpy(join(out, 'coef.npy'))).shape, [5, 3]);
    assert.deepEqual((await readNpy(join(out, 'cv_scores.npy'))).shape, [3, 3]);
    assert.deepEqual((await readNpy(join(out, 'alphas.npy'))).shape, [3]);
    assert.deepEqual((await readNpy(join(out, 'intercept.npy'))).shape, [3]);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    assert.equal(json.solver, 'primal');
    assert.deepEqual(json.shapes.coef, [5, 3]);
    assert.ok(json.timings.total > 0);
    const back = await loadRidgeModel(out);
    assert.deepEqual(Array.from(back.alphas), Array.from(m.alphas));
    assert.deepEqual(Array.from((await back.predict(X)).data), Array.from((await m.predict(X)).data));
    await assert.rejects(m.predict(Y), /3 columns but the model was fitted on 5 features/);
  });

  it('an unwritable destination fails cleanly and leaves nothing behind', async () => {
    const rng = new Rng(4);
    const X = new Matrix(20, 3, rng.fillNormal(new Float64Array(60)));
    const m = await fitRidgeCV(X, X, { alphas: [1] });
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(saveRidgeModel(join(file, 'model'), m), /cannot create output folder/);
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.includes('tmp')),
      [],
    );
  });

  it('rejects a folder that is not a model', async () => {
    await assert.rejects(loadRidgeModel(join(dir, 'nothing')), /cannot read the ridge model/);
  });
});
