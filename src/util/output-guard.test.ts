/** The output guard: what may be written where, and the temporaries of dead runs. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { liveTemporaries, sweepStaleTemps, writeDirAtomic, writeFileAtomic } from './atomic.js';
import { isUserError } from './errors.js';
import {
  claimOutputDir,
  claimOutputFile,
  OUTPUT_MARKER,
  outputMarkerText,
  startsWith,
} from './output-guard.js';

const root = mkdtempSync(join(tmpdir(), 'b2m-guard-'));
after(() => rmSync(root, { recursive: true, force: true }));

const isMagic = (p: string) => startsWith(p, 'MAGIC');
const fileOpts = { kind: 'a magic file', recognise: isMagic };
const dirOpts = { kind: 'thing', what: 'a thing' };

async function refused(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e) => isUserError(e) && re.test(e.message));
}

describe('claimOutputFile', () => {
  it('accepts a new path and creates nothing', async () => {
    const p = join(root, 'f', 'new.bin');
    assert.equal(await claimOutputFile(p, fileOpts), p);
    assert.equal(existsSync(join(root, 'f')), false);
  });

  it('refuses a file that is not ours even with force; keeps it', async () => {
    const p = join(root, 'user.txt');
    writeFileSync(p, 'my notes');
    await refused(claimOutputFile(p, { ...fileOpts, force: true }), /not a magic file.*even with --force/);
    assert.equal(readFileSync(p, 'utf8'), 'my notes');
  });

  it('refuses an earlier output of ours without force, accepts it with force', async () => {
    const p = join(root, 'ours.bin');
    writeFileSync(p, 'MAGIC…');
    await refused(claimOutputFile(p, fileOpts), /exists/);
    assert.equal(await claimOutputFile(p, { ...fileOpts, force: true }), p);
  });

  it('refuses an input, a folder, and a path inside an input folder', async () => {
    const x = join(root, 'X.bin');
    writeFileSync(x, 'MAGIC');
    await refused(
      claimOutputFile(x, { ...fileOpts, force: true, inputs: { '--x': x } }),
      /is an input \(--x/,
    );
    await refused(claimOutputFile(root, fileOpts), /is a folder/);
    await refused(
      claimOutputFile(join(root, 'in', 'o.bin'), { ...fileOpts, inputs: { '--dataset': join(root, 'in') } }),
      /lies inside an input/,
    );
  });
});

describe('claimOutputDir', () => {
  it('refuses a folder of user files whatever force says, and touches nothing', async () => {
    const d = join(root, 'userdir');
    mkdirSync(d);
    writeFileSync(join(d, 'thesis.tex'), 'x');
    await refused(claimOutputDir(d, { ...dirOpts, force: true }), /did not write \(thesis\.tex\)/);
    assert.equal(readFileSync(join(d, 'thesis.tex'), 'utf8'), 'x');
  });

  it('refuses a regular file, the working folder and a folder containing an input', async () => {
    const f = join(root, 'plain');
    writeFileSync(f, 'x');
    await refused(claimOutputDir(f, { ...dirOpts, force: true }), /not a folder/);
    await refused(claimOutputDir(process.cwd(), dirOpts), /is the working folder/);
    await refused(claimOutputDir(join(process.cwd(), '..'), dirOpts), /contains the working folder/);
    await refused(claimOutputDir(root, { ...dirOpts, inputs: { '--x': f } }), /contains an input/);
  });

  it('accepts an empty folder; ours (marker) only with force; foreign extras never', async () => {
    const d = join(root, 'ours');
    mkdirSync(d);
    assert.equal(await claimOutputDir(d, dirOpts), d);
    writeFileSync(join(d, OUTPUT_MARKER), outputMarkerText('thing'));
    writeFileSync(join(d, 'a.out'), 'x');
    await refused(claimOutputDir(d, dirOpts), /already holds a thing/);
    assert.equal(await claimOutputDir(d, { ...dirOpts, force: true, owns: (n) => n.endsWith('.out') }), d);
    writeFileSync(join(d, 'notes.md'), 'mine');
    await refused(
      claimOutputDir(d, { ...dirOpts, force: true, owns: (n) => n.endsWith('.out') }),
      /also files b2m did not write \(notes\.md\)/,
    );
    await refused(
      claimOutputDir(d, { kind: 'other', what: 'another thing', force: true }),
      /holds a b2m thing, not another thing/,
    );
  });
});

describe('temporaries', () => {
  it('sweeps temporaries of dead processes only, and the registry empties after a write', async () => {
    const d = join(root, 'sweep');
    mkdirSync(d);
    // pid 2^22+1 is above Linux's pid_max default range, so it is not running.
    const dead = join(d, '.out.npy.tmp-4194305-deadbeef');
    const live = join(d, `.out.npy.tmp-${process.pid}-cafebabe`);
    const other = join(d, '.other.npy.tmp-4194305-deadbeef');
    for (const p of [dead, live, other]) writeFileSync(p, 'x');
    const r = sweepStaleTemps(d, 'out.npy');
    assert.deepEqual(r.removed, [dead]);
    assert.ok(existsSync(live) && existsSync(other));
    await writeFileAtomic(join(d, 'a.txt'), 'x');
    await writeDirAtomic(join(d, 'sub'), async (tmp) => writeFileSync(join(tmp, 'b'), 'y'));
    assert.deepEqual(liveTemporaries(), []);
  });
});
