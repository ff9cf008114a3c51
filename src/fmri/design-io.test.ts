import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DS003720 } from '../io/bids/test-helpers.js';
import { isUserError } from '../util/errors.js';
import { loadDesign } from './design.js';
import { readDesignJson, writeDesignJson } from './design-io.js';

test('design JSON: write → read gives the same design; bad files name the field', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'b2m-design-io-'));
  try {
    const { design } = await loadDesign(DS003720);
    const p = join(dir, 'design.json');
    await writeDesignJson(p, design);
    assert.deepEqual(await readDesignJson(p), design);

    const json = JSON.parse(await readFile(p, 'utf8'));
    json.clips[3].split = 'validation';
    await writeFile(join(dir, 'bad.json'), JSON.stringify(json));
    await assert.rejects(readDesignJson(join(dir, 'bad.json')), (e) => {
      assert.ok(isUserError(e));
      assert.equal(e.location.field, 'clips.3.split');
      return true;
    });
    json.clips[3].split = 'train';
    json.runs[0].events[2].clipId = 'polka.00001';
    await writeFile(join(dir, 'bad2.json'), JSON.stringify(json));
    await assert.rejects(
      readDesignJson(join(dir, 'bad2.json')),
      /clip polka\.00001, which is not in "clips"/,
    );
    await writeFile(join(dir, 'trunc.json'), (await readFile(p, 'utf8')).slice(0, 500));
    await assert.rejects(readDesignJson(join(dir, 'trunc.json')), /cannot read the design JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
