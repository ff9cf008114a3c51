import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeAu16 } from '../audio/au.js';
import { decodeAudioFile } from '../audio/decode.js';
import { encodeMp3 } from '../audio/encode.js';
import { FIXTURE_DIR } from '../audio/test-fixtures.js';
import { encodeWav } from '../audio/wav.js';
import { isUserError } from '../util/errors.js';
import { listLibraryAudio } from './library.js';
import { probeAudio } from './probe.js';

const SR = 8000;
const tone = (seconds: number, hz = 440) =>
  Float32Array.from(
    { length: Math.round(seconds * SR) },
    (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / SR),
  );

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'b2m-library-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('probeAudio', () => {
  test('header durations equal full-decode durations on every fixture format', async () => {
    const files = (await readdir(FIXTURE_DIR)).filter((f) => /\.(wav|au|flac|mp3|ogg)$/.test(f));
    assert.ok(files.length >= 7);
    for (const f of files) {
      const p = join(FIXTURE_DIR, f);
      const pr = await probeAudio(p);
      const a = await decodeAudioFile(p);
      assert.notEqual(pr.method, 'decode', f);
      assert.equal(pr.sampleRate, a.sampleRate, f);
      assert.equal(pr.channels, a.channels.length, f);
      assert.ok(Math.abs(pr.seconds - a.channels[0]!.length / a.sampleRate) < 1e-9, `${f}: ${pr.seconds}`);
    }
  });

  test('a 16-s MP3 from our encoder is within one frame of its decode', async () => {
    const { bytes } = await encodeMp3(tone(16), SR, { kbps: 32 });
    const p = join(dir, 'cbr.mp3');
    await writeFile(p, bytes);
    const pr = await probeAudio(p);
    const a = await decodeAudioFile(p);
    assert.equal(pr.method, 'mp3');
    assert.ok(Math.abs(pr.seconds - a.channels[0]!.length / a.sampleRate) <= 1152 / SR, `${pr.seconds}`);
    assert.ok(Math.abs(pr.seconds - 16) < 0.2);
  });
});

describe('listLibraryAudio', () => {
  test('walks sub-folders in order, genres from folder or GTZAN name, ids unique, hidden and non-audio files skipped', async () => {
    const root = join(dir, 'lib');
    await mkdir(join(root, 'jazz', 'live'), { recursive: true });
    await mkdir(join(root, 'rock'), { recursive: true });
    await mkdir(join(root, '.cache'), { recursive: true });
    await writeFile(join(root, 'jazz', 'a.wav'), encodeWav(tone(15.5), SR).bytes);
    await writeFile(join(root, 'jazz', 'live', 'b.au'), encodeAu16([tone(20)], SR));
    await writeFile(join(root, 'rock', 'a.wav'), encodeWav(tone(16), SR).bytes);
    await writeFile(join(root, 'metal.00012.mp3'), (await encodeMp3(tone(17), SR, { kbps: 32 })).bytes);
    await writeFile(join(root, 'untitled.wav'), encodeWav(tone(15), SR).bytes);
    await writeFile(join(root, 'README.txt'), 'not audio');
    await writeFile(join(root, '._a.wav'), 'mac resource fork');
    await writeFile(join(root, '.cache', 'x.wav'), 'junk');
    const tracks = await listLibraryAudio(root);
    assert.deepEqual(
      tracks.map((t) => [t.id, t.genre]),
      [
        ['jazz/a', 'jazz'],
        ['b', 'jazz'],
        ['metal.00012', 'metal'],
        ['rock/a', 'rock'],
        ['untitled', 'unknown'],
      ],
    );
    assert.ok(Math.abs(tracks[1]!.seconds - 20) < 1e-9);
  });

  test('every bad file is listed in one error with its reason; an empty or missing folder is named', async () => {
    const root = join(dir, 'bad');
    await mkdir(join(root, 'pop'), { recursive: true });
    await writeFile(join(root, 'pop', 'ok.wav'), encodeWav(tone(15), SR).bytes);
    await writeFile(join(root, 'pop', 'short.wav'), encodeWav(tone(9.8), SR).bytes);
    await writeFile(join(root, 'pop', 'garbage.mp3'), new Uint8Array(3000).fill(7));
    await writeFile(join(root, 'pop', 'empty.flac'), new Uint8Array(0));
    await assert.rejects(listLibraryAudio(root), (e) => {
      assert.ok(isUserError(e));
      assert.match(e.message, /^3 of 4 library files cannot be used:/);
      assert.match(e.message, /pop\/empty\.flac: unreadable: audio file is empty/);
      assert.match(e.message, /pop\/garbage\.mp3: unreadable: cannot decode audio/);
      assert.match(e.message, /pop\/short\.wav: too short: 9\.8 s < 15 s/);
      assert.doesNotMatch(e.message, /ok\.wav/);
      assert.equal(e.location.file, root);
      return true;
    });
    // A lower threshold accepts the short file (the others stay unreadable).
    await assert.rejects(listLibraryAudio(root, { minSeconds: 5 }), /^Error: 2 of 4|2 of 4 library files/);
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'notes.txt'), 'x');
    await assert.rejects(
      listLibraryAudio(empty),
      (e) => isUserError(e) && e.location.file === empty && /no audio files/.test(e.message),
    );
    await assert.rejects(listLibraryAudio(join(dir, 'nope')), /library folder not found/);
  });

  test('symlinked folders are followed once; a broken link is listed as unreadable; long lists are cut at 50', async () => {
    const real = join(dir, 'real-classical');
    await mkdir(real);
    await writeFile(join(real, 'x.wav'), encodeWav(tone(15), SR).bytes);
    const root = join(dir, 'linked');
    await mkdir(root);
    await symlink(real, join(root, 'classical'));
    await symlink(real, join(root, 'again')); // the same real folder: walked once
    // Sorted walk: `again` comes first and claims the folder (and names the genre).
    assert.deepEqual(
      (await listLibraryAudio(root)).map((t) => [t.id, t.genre]),
      [['x', 'again']],
    );
    await symlink(join(dir, 'missing.wav'), join(root, 'gone.wav'));
    await assert.rejects(listLibraryAudio(root), /gone\.wav: unreadable: cannot read audio file/);

    const many = join(dir, 'many');
    await mkdir(many);
    for (let i = 0; i < 60; i++)
      await writeFile(join(many, `t${String(i).padStart(2, '0')}.wav`), encodeWav(tone(1), SR).bytes);
    await assert.rejects(listLibraryAudio(many), (e) => {
      assert.ok(isUserError(e));
      assert.match(e.message, /^60 of 60 library files cannot be used/);
      assert.match(e.message, /t49\.wav: too short: 1\.0 s < 15 s\n {2}… and 10 more$/);
      return true;
    });
  });
});
