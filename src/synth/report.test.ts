import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RoiSummary } from './index.js';
import { formatReliabilityTable, regionReliability } from './report.js';

describe('regionReliability', () => {
  it('aggregates subjects and hemispheres by median, strongest region first', () => {
    const row = (subject: string, region: string, hemi: string, t: number, e: number): RoiSummary => ({
      subject,
      region,
      hemi,
      voxels: 10,
      trueEvMedian: t,
      estimatedEvMedian: e,
      estimatedEvP90: e + 0.1,
    });
    const rows = [
      row('sub-001', 'G_front_middle', 'lh', 0, -0.01),
      row('sub-001', 'G_temp_sup-G_T_transv', 'lh', 0.3, 0.28),
      row('sub-001', 'G_temp_sup-G_T_transv', 'rh', 0.2, 0.22),
      row('sub-002', 'G_temp_sup-G_T_transv', 'lh', 0.4, 0.35),
    ];
    const agg = regionReliability(rows);
    assert.equal(agg[0]!.region, 'G_temp_sup-G_T_transv');
    assert.equal(agg[0]!.n, 3);
    assert.equal(agg[0]!.voxels, 30);
    assert.equal(agg[0]!.trueEv, 0.3);
    assert.equal(agg[0]!.estimatedEv, 0.28);
    assert.equal(agg[0]!.estimatedEvMin, 0.22);
    assert.equal(agg[0]!.estimatedEvMax, 0.35);
    assert.match(formatReliabilityTable(agg), /\| G_front_middle \| 1 \| 10 \| 0\.000 \| -0\.010/);
  });
});
