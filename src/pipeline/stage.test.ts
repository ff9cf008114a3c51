import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Stage, StageStore, stageKey } from './stage.js';

interface Num {
  hash: string;
  value: number;
}

/** Counts calls, so a test can tell a computed output from a loaded one. */
function adder(
  calls: { n: number },
  fail = false,
): Stage<{ a: Num; b: number }, { scale: number }, { sum: number }> {
  return {
    name: 'add',
    version: 1,
    async run({ a, b }, o) {
      calls.n++;
      return { sum: (a.value + b) * o.scale };
    },
    async save(dir, out) {
      writeFileSync(join(dir, 'sum.json'), JSON.stringify(out));
      if (fail) throw new Error('disk full');
    },
    async load(dir) {
      return JSON.parse(readFileSync(join(dir, 'sum.json'), 'utf8'));
    },
  };
}

describe('StageStore', () => {
  const base = mkdtempSync(join(tmpdir(), 'b2m-stage-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const a: Num = { hash: 'aaa', value: 2 };

  it('computes once, then loads the complete output; the output carries the key as its hash', async () => {
    const store = new StageStore(join(base, 's1'));
    const calls = { n: 0 };
    const r1 = await store.run(adder(calls), { a, b: 3 }, { scale: 10 });
    const r2 = await store.run(adder(calls), { a, b: 3 }, { scale: 10 });
    assert.equal(calls.n, 1);
    assert.equal(r1.output.sum, 50);
    assert.deepEqual(r2.output, r1.output);
    assert.equal(r2.cached, true);
    assert.equal(r1.output.hash, r1.record.key);
    assert.ok(existsSync(join(r1.dir, 'stage.json')));
    assert.deepEqual(
      store.records.map((r) => r.cached),
      [false, true],
    );
  });

  it('keys on the inputs’ hashes, plain inputs, options and the stage version — not on artifact contents', () => {
    const st = adder({ n: 0 });
    const k = stageKey(st, { a, b: 3 }, { scale: 10 });
    assert.notEqual(stageKey(st, { a: { hash: 'bbb', value: 2 }, b: 3 }, { scale: 10 }), k);
    assert.notEqual(stageKey(st, { a, b: 4 }, { scale: 10 }), k);
    assert.notEqual(stageKey(st, { a, b: 3 }, { scale: 11 }), k);
    assert.notEqual(stageKey({ ...st, version: 2 }, { a, b: 3 }, { scale: 10 }), k);
    // Same hash, other content: the hash is the identity (content is not re-read).
    assert.equal(stageKey(st, { a: { hash: 'aaa', value: 99 }, b: 3 }, { scale: 10 }), k);
  });

  it('leaves nothing a later run would trust when saving fails, and recomputes next time', async () => {
    const root = join(base, 's2');
    const store = new StageStore(root);
    const calls = { n: 0 };
    await assert.rejects(store.run(adder(calls, true), { a, b: 1 }, { scale: 1 }), /disk full/);
    assert.deepEqual(readdirSync(join(root, 'add')), []);
    const r = await store.run(adder(calls), { a, b: 1 }, { scale: 1 });
    assert.equal(r.cached, false);
    assert.equal(calls.n, 2);
  });

  it('ignores and sweeps the temporary folder of a killed process', async () => {
    const root = join(base, 's3');
    const store = new StageStore(root);
    const key = stageKey(adder({ n: 0 }), { a, b: 5 }, { scale: 1 });
    const tmp = join(root, 'add', `.tmp-${key}-99999-abc`);
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'sum.json'), '{"sum": -1}'); // half-written: no stage.json
    const calls = { n: 0 };
    const r = await store.run(adder(calls), { a, b: 5 }, { scale: 1 });
    assert.equal(r.output.sum, 7);
    assert.equal(calls.n, 1);
    assert.deepEqual(await store.sweepTemporaries(), [tmp]);
    assert.equal(existsSync(tmp), false);
  });

  it('refuses typed arrays as plain inputs (they would be hashed as JSON, slowly and wrongly)', () => {
    const st = adder({ n: 0 }) as unknown as Stage<{ x: Float32Array }, object, object>;
    assert.throws(() => stageKey(st, { x: new Float32Array(3) }, {}), /artifacts or plain values/);
  });
});
