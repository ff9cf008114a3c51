/**
 * Test helpers for NIfTI code (used by tests here and in src/fmri/): the nibabel
 * fixture folder, its manifest, and a tolerance comparison.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/nifti/', import.meta.url));

export interface FixtureImage {
  file: string;
  notes: string;
  version: 1 | 2;
  big_endian: boolean;
  shape: number[];
  datatype: string;
  affine: number[][];
  qform_code: number;
  sform_code: number;
  slope: number;
  inter: number;
  zooms: number[];
  units: [string, string];
  n_extensions: number;
  fdata: number[];
}

export const MANIFEST = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as {
  images: FixtureImage[];
  masking: {
    run: string;
    mask: string;
    n_mask_voxels: number;
    masked: number[][];
    parcellation: string;
    labels: number[];
    parcel_masked: number[][];
    mean: string;
    threshold: number;
    threshold_masked: number[][];
  };
};

/** |a - b| ≤ atol + rtol·|b| for every entry. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  atol: number,
  what: string,
) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const b = expected[i]!;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) {
      assert.fail(`${what}: entry ${i} is ${a}, expected ${b}`);
    }
  }
}
