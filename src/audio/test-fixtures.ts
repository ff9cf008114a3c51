/**
 * Test-only helpers: reads the reference fixtures that
 * scripts/fixtures/make_audio_fixtures.py writes to test/fixtures/audio/.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('../../test/fixtures/audio/', import.meta.url));

export interface ArrayRef {
  file: string;
  shape: number[];
}

// biome-ignore lint/suspicious/noExplicitAny: the index is a free-form JSON manifest
export const INDEX: any = JSON.parse(readFileSync(`${FIXTURE_DIR}index.json`, 'utf8'));

/** A float32 array from the fixtures (row-major, shape in the ref). */
export function loadF32(ref: ArrayRef | string): Float32Array {
  const file = typeof ref === 'string' ? ref : ref.file;
  const buf = readFileSync(FIXTURE_DIR + file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function loadSignal(name: string): { x: Float32Array; sampleRate: number } {
  const f = INDEX.files[name];
  return { x: loadF32(f), sampleRate: f.sampleRate };
}

/** Largest |a − b| / max(floor, |b|) over all elements. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs((a[i] as number) - (b[i] as number)) / Math.max(floor, Math.abs(b[i] as number));
    if (!(e <= m)) m = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return m;
}

/** Largest |a − b|. */
export function maxAbsErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs((a[i] as number) - (b[i] as number));
    if (!(e <= m)) m = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
  }
  return m;
}
