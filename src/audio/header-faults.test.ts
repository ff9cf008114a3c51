/** WAV and .au header faults are named by their field; a truncated copy gives a warning. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UserError } from '../util/errors.js';
import { encodeAu16 } from './au.js';
import { decodeAudioBytes } from './decode.js';
import { encodeWav } from './wav.js';

const tone = new Float32Array(4410).map((_, i) => 0.5 * Math.sin(i / 7));
const wav = () => Buffer.from(encodeWav(tone, 22050).bytes);

async function fault(bytes: Uint8Array, field: string, re: RegExp): Promise<void> {
  await assert.rejects(decodeAudioBytes(bytes, 'x.wav'), (e: unknown) => {
    assert.ok(e instanceof UserError, String((e as Error)?.stack));
    assert.equal(e.location.field, field);
    assert.match(e.message, re);
    return true;
  });
}

describe('WAV header faults', () => {
  it('each field is named: channels, sample rate, bits per sample, block align, format, chunk size', async () => {
    const set = (off: number, v: number, bytes = 2) => {
      const b = wav();
      bytes === 2 ? b.writeUInt16LE(v, off) : b.writeUInt32LE(v, off);
      return b;
    };
    await fault(set(22, 0), 'channels', /declares 0 channels/);
    await fault(set(24, 0, 4), 'sample rate', /sample rate of 0 Hz/);
    await fault(set(34, 7), 'bits per sample', /7 bits per sample/);
    await fault(set(32, 5), 'block align', /block align is 5/);
    await fault(set(20, 85), 'audio format', /audio format 85/);
    await fault(set(16, 8, 4), 'fmt chunk size', /fmt chunk is 8 bytes/);
  });

  it('a chunk declared past the end is an error; a cut data chunk is a warning with the missing time', async () => {
    const b = wav();
    // Put a LIST chunk that claims more than the file before the data.
    const list = Buffer.alloc(12);
    list.write('LIST', 0);
    list.writeUInt32LE(1e6, 4);
    await fault(
      Buffer.concat([b.subarray(0, 36), list]),
      'LIST chunk size',
      /declares 1000000 bytes, past the end/,
    );
    const cut = b.subarray(0, 44 + 2000);
    const a = await decodeAudioBytes(cut, 'cut.wav');
    assert.equal(a.channels[0]!.length, 1000);
    assert.equal(a.warnings.length, 1);
    assert.match(a.warnings[0]!, /truncated: .* \(0\.15 s missing\)/);
    assert.deepEqual((await decodeAudioBytes(b, 'whole.wav')).warnings, []);
  });
});

describe('.au header faults', () => {
  it('sample rate is named; a truncated copy is decoded with a warning', async () => {
    const au = Buffer.from(encodeAu16([tone], 22050));
    const bad = Buffer.from(au);
    bad.writeUInt32BE(0, 16);
    await fault(bad, 'sample rate', /sample rate of 0 Hz/);
    const cut = await decodeAudioBytes(au.subarray(0, au.length - 2000), 'cut.au');
    assert.equal(cut.channels[0]!.length, 4410 - 1000);
    assert.match(cut.warnings[0] ?? '', /truncated: .*0\.05 s missing/);
  });
});
