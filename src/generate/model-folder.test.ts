/**
 * A neural generator's model folder: every missing file listed at once, and
 * empty, truncated or non-ONNX files named, before anything loads them. Real ONNX
 * bytes come from the project's own ONNX writer (the CLAP stand-in).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { standinAudioModel } from '../embed/clap/standin.js';
import { isUserError } from '../util/errors.js';
import { checkModelFolder, MUSICGEN_FILES, onnxProblem } from './model-folder.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'b2m-modeldir-'));
  dirs.push(d);
  await mkdir(join(d, 'onnx'));
  return d;
}

describe('model folder check', () => {
  it('accepts a sound ONNX model and names what is wrong with broken ones', async () => {
    const d = await folder();
    const good = standinAudioModel(8);
    await writeFile(join(d, 'good.onnx'), good);
    assert.equal(await onnxProblem(join(d, 'good.onnx')), null);
    await writeFile(join(d, 'empty.onnx'), new Uint8Array(0));
    assert.match((await onnxProblem(join(d, 'empty.onnx'))) ?? '', /empty/);
    await writeFile(join(d, 'cut.onnx'), good.subarray(0, Math.floor(good.length * 0.6)));
    assert.match((await onnxProblem(join(d, 'cut.onnx'))) ?? '', /truncated/);
    await writeFile(join(d, 'text.onnx'), '<html>404 not found</html>');
    assert.ok((await onnxProblem(join(d, 'text.onnx'))) !== null);
  });

  it('lists every missing file and every corrupt ONNX file in one error', async () => {
    const d = await folder();
    await writeFile(join(d, 'config.json'), '{}');
    await writeFile(join(d, 'onnx', 'text_encoder.onnx'), standinAudioModel(4));
    await writeFile(join(d, 'onnx', 'encodec_decode.onnx'), standinAudioModel(4).subarray(0, 50));
    await assert.rejects(checkModelFolder(d, MUSICGEN_FILES, 'MusicGen'), (e: unknown) => {
      assert.ok(isUserError(e));
      for (const f of ['generation_config.json', 'tokenizer.json', 'onnx/decoder_model_merged.onnx'])
        assert.ok(e.message.includes(f), `${f} not listed: ${e.message}`);
      assert.match(e.message, /corrupt: onnx\/encodec_decode\.onnx \(truncated/);
      assert.ok(!e.message.includes('text_encoder'));
      return true;
    });
  });
});
