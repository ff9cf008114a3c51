/** Path traversal in every encoding is refused, symlinks out of the folder too; plain files inside are served. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { resolveRunFile } from './safe-path.js';

const tmp = mkdtempSync(join(tmpdir(), 'b2m-safe-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const root = join(tmp, 'run');
mkdirSync(join(root, 'audio'), { recursive: true });
writeFileSync(join(root, 'audio', 'a b.mp3'), 'ok');
writeFileSync(join(root, 'metrics.json'), '{}');
writeFileSync(join(tmp, 'secret.txt'), 'SECRET');
mkdirSync(join(tmp, 'outside'));
writeFileSync(join(tmp, 'outside', 'x.txt'), 'SECRET');
symlinkSync(join(tmp, 'secret.txt'), join(root, 'audio', 'link-out.mp3'));
symlinkSync(join(tmp, 'outside'), join(root, 'dir-out'));
symlinkSync(join(root, 'metrics.json'), join(root, 'link-in.json'));

describe('resolveRunFile', () => {
  it('serves regular files inside the folder, percent-decoded', async () => {
    const r = await resolveRunFile(root, 'audio/a%20b.mp3');
    assert.ok(r.ok && r.path.endsWith('a b.mp3') && r.size === 2);
    assert.ok((await resolveRunFile(root, 'link-in.json')).ok, 'a symlink that stays inside is fine');
  });

  it('refuses traversal in every encoding and never resolves outside', async () => {
    const attacks = [
      '../secret.txt',
      'audio/../../secret.txt',
      '%2e%2e/secret.txt',
      '%2E%2E/secret.txt',
      '.%2e/secret.txt',
      'audio/%2e%2e/%2e%2e/secret.txt',
      '%252e%252e/secret.txt',
      'audio%2f..%2f..%2fsecret.txt',
      'audio%2F..%2F..%2Fsecret.txt',
      '..%5csecret.txt',
      '..\\secret.txt',
      'audio\\..\\..\\secret.txt',
      '/etc/passwd',
      '//etc/passwd',
      `${tmp}/secret.txt`.slice(1).replace(/^/, '/'),
      'audio/link-out.mp3',
      'dir-out/x.txt',
      '%00',
      'audio/a%00.mp3',
      './metrics.json',
      '.b2m-run.json',
      '%',
      'audio/%E0%A4%A',
    ];
    for (const a of attacks) {
      const r = await resolveRunFile(root, a);
      assert.equal(r.ok, false, a);
      if (!r.ok) assert.ok([400, 403, 404].includes(r.status), `${a}: ${r.status}`);
    }
  });

  it('does not list folders', async () => {
    const r = await resolveRunFile(root, 'audio');
    assert.deepEqual(r, { ok: false, status: 404 });
  });
});
