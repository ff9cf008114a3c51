import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSoundfont, renderScore } from '../../synth/music/index.js';
import { isUserError } from '../../util/errors.js';
import { BasicPitchRunner } from './basic-pitch.js';
import { matchedNotes, melodyScore } from './test-fixtures.js';
import { transcribe } from './transcribe.js';

describe('transcribe (basic-pitch notes)', () => {
  let runner: BasicPitchRunner;
  before(async () => {
    runner = await BasicPitchRunner.create();
  });
  after(async () => {
    await runner.dispose();
  });

  it('recovers ≥ 14 of 16 rendered melody notes (pitch exact, onset within 70 ms)', async () => {
    const bank = await loadSoundfont('fluidr3mono');
    const audio = (await renderScore(melodyScore(15), bank, { sampleRate: 22050 })).samples;
    const t0 = performance.now();
    const tr = await transcribe(audio, 22050, { runner });
    const s = (performance.now() - t0) / 1000;
    console.log(`# 15-s clip: ${tr.notes.length} notes, ${matchedNotes(tr)}/16 matched, ${s.toFixed(2)} s`);
    assert.ok(matchedNotes(tr) >= 14, `${matchedNotes(tr)}/16`);
    assert.equal(tr.durationS, 15);
    for (const n of tr.notes) assert.ok(n.offset > n.onset && n.amplitude > 0 && n.amplitude <= 1);
  });

  it('resamples audio at another rate (44,100 Hz) to the model rate first', async () => {
    const bank = await loadSoundfont('fluidr3mono');
    const audio = (await renderScore(melodyScore(), bank, { sampleRate: 44100 })).samples;
    const tr = await transcribe(audio, 44100, { runner });
    assert.ok(matchedNotes(tr) >= 14, `${matchedNotes(tr)}/16`);
    assert.ok(Math.abs(tr.durationS - 10.5) < 1e-3);
  });

  it('silent audio gives no notes (without running the model); a bad rate or NaN is a UserError', async () => {
    const tr = await transcribe(new Float32Array(22050 * 3), 22050, { runner });
    assert.deepEqual(tr.notes, []);
    assert.equal(tr.durationS, 3);
    await assert.rejects(
      transcribe(new Float32Array(100), 0),
      (e: unknown) => isUserError(e) && /sample rate 0/.test(e.message),
    );
    await assert.rejects(transcribe(new Float32Array(100), 22050.5), isUserError);
    await assert.rejects(
      transcribe(Float32Array.of(0, Number.NaN), 22050),
      (e: unknown) => isUserError(e) && /NaN/.test(e.message),
    );
  });
});
