/** Asserts that two output folders hold the same files with the same bytes (timings aside). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every file under `a` and `b` has the same bytes, except: in `encoding.json` the
 * timings (`seconds`, `cvSeconds`) and the keys `ignore` may differ, and the files
 * named in `skip` (e.g. `stage.json`, whose timings and keys differ) are not compared.
 */
export function assertSameOutputs(
  a: string,
  b: string,
  o: { ignore?: string[]; skip?: string[] } = {},
): void {
  const ignore = o.ignore ?? [];
  const skip = o.skip ?? [];
  const files = (d: string): string[] =>
    readdirSync(d, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !skip.includes(e.name))
      .map((e) => relative(d, join(e.parentPath, e.name)))
      .sort();
  const fa = files(a);
  assert.ok(fa.length > 0, `${a} is empty`);
  assert.deepEqual(files(b), fa);
  const untimed = (p: string) =>
    JSON.stringify(JSON.parse(readFileSync(p, 'utf8')), (k, v) =>
      k === 'seconds' || k === 'cvSeconds' || ignore.includes(k) ? undefined : v,
    );
  for (const f of fa) {
    if (f.endsWith('encoding.json')) assert.equal(untimed(join(b, f)), untimed(join(a, f)), f);
    else assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
  }
}
