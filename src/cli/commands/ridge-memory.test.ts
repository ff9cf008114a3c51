/** `b2m ridge fit` refuses a fit that cannot fit in memory from the .npy headers, before reading data. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { npyHeader } from '../../io/npy.js';
import { b2mRefusal } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'b2m-ridge-mem-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('names what drives the size, before reading (the files hold headers only)', async () => {
  // Headers that declare 20,000 × 50,000 and 20,000 × 80,000 float32; no data follows,
  // so reading them first would end in "truncated", not in the memory refusal.
  const x = join(dir, 'X.npy');
  const y = join(dir, 'Y.npy');
  writeFileSync(x, npyHeader('float32', [20_000, 50_000]));
  writeFileSync(y, npyHeader('float32', [20_000, 80_000]));
  const msg = await b2mRefusal([
    'ridge',
    'fit',
    '--x',
    x,
    '--y',
    y,
    '--out',
    join(dir, 'm'),
    '--max-memory',
    '2G',
  ]);
  assert.ok(msg);
  assert.match(
    msg,
    /over the memory budget of 2\.00 GiB \(largest: coef 50000 × 80000: 14\.90 GiB; X 20000 × 50000/,
  );
  assert.doesNotMatch(msg, /truncated/);
});
