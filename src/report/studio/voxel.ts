/**
 * What the studio shows for a clicked point: the ROI it falls in, r per feature
 * space, the noise ceiling, the preferred space, and (when the encoding stage
 * kept them) the voxel's measured and predicted test time courses. Points come
 * in world millimetres, so any image grid answers through its own affine.
 */
import { existsSync } from 'node:fs';
import { readNifti } from '../../io/nifti/index.js';
import { readNpy } from '../../io/npy.js';
import { readLabelTable } from '../labels.js';
import { type EncodingSummary, encodingPath } from '../run-data.js';
import { Sampler } from '../slices.js';

export interface VoxelInfo {
  subject: string;
  mm: [number, number, number];
  /** Voxel (i, j, k) in the first r map's grid, or null outside it. */
  voxel: [number, number, number] | null;
  /** The atlas label's name; null where the atlas has no label (0: outside the brain, or no atlas). */
  roi: string | null;
  /** Whether the run names an atlas at all (so a null `roi` means "outside the atlas", not "unknown"). */
  atlas: boolean;
  r: Record<string, number | null>;
  noiseCeiling: number | null;
  /** The preferred-space label's name (`none` where no space is significant); null outside the map. */
  preferred: string | null;
  timecourse: { space: string; measured: number[]; predicted: number[] } | null;
}

const finite = (v: number) => (Number.isFinite(v) ? v : null);

interface TimeCourses {
  /** The summary's default space; `predicted` holds every space the stage kept. */
  space: string;
  /** Linear voxel index (in the space's r-map grid) → column of the n_time × n_kept matrices. */
  index: Map<number, number>;
  T: number;
  n: number;
  /** n_time × n_kept, row-major. */
  measured: Float32Array;
  predicted: Map<string, Float32Array>;
}

/** Lazily loaded images of one subject (loaded on the first click). */
export class SubjectVoxels {
  private loaded?: Promise<{
    maps: Map<string, Sampler>;
    nc?: Sampler;
    pref?: { s: Sampler; names: Map<number, string> };
    atlas?: { s: Sampler; names: Map<number, string> };
    tc?: TimeCourses;
  }>;

  constructor(readonly enc: EncodingSummary & { dir: string }) {}

  private load() {
    this.loaded ??= (async () => {
      const e = this.enc;
      const p = (f: string) => encodingPath(e, f);
      const img = async (f: string | undefined) =>
        f && existsSync(p(f)) ? new Sampler(await readNifti(p(f), { as: 'float32' })) : undefined;
      const maps = new Map<string, Sampler>();
      for (const s of e.spaces) {
        const m = await img(e.maps[s]?.r);
        if (m) maps.set(s, m);
      }
      const nc = await img(e.noiseCeiling);
      const prefS = await img(e.preferred?.dseg);
      const atlasS = await img(e.roiAtlas?.dseg);
      let tc: TimeCourses | undefined;
      const t = e.timecourses;
      if (t && [t.voxels, t.measured, t.predicted].every((f) => existsSync(p(f)))) {
        const vox = await readNpy(p(t.voxels));
        const meas = await readNpy(p(t.measured));
        const index = new Map<number, number>();
        for (let c = 0; c < vox.data.length; c++) index.set(Number(vox.data[c]), c);
        const files = { ...t.predictedBySpace, [t.space]: t.predicted };
        const predicted = new Map<string, Float32Array>();
        for (const [s, f] of Object.entries(files)) {
          if (!existsSync(p(f))) continue;
          const pred = await readNpy(p(f));
          if (pred.shape.join() !== meas.shape.join()) continue;
          predicted.set(s, Float32Array.from(pred.data as ArrayLike<number>));
        }
        tc = {
          space: t.space,
          index,
          T: meas.shape[0] as number,
          n: meas.shape[1] as number,
          measured: Float32Array.from(meas.data as ArrayLike<number>),
          predicted,
        };
      }
      return {
        maps,
        nc,
        pref:
          prefS && e.preferred ? { s: prefS, names: await readLabelTable(p(e.preferred.labels)) } : undefined,
        atlas:
          atlasS && e.roiAtlas ? { s: atlasS, names: await readLabelTable(p(e.roiAtlas.labels)) } : undefined,
        tc,
      };
    })();
    return this.loaded;
  }

  /** What lies at (x, y, z) mm; the time course's prediction is from `space` when it was kept, else the default space. */
  async at(x: number, y: number, z: number, space?: string): Promise<VoxelInfo> {
    const d = await this.load();
    const r: Record<string, number | null> = {};
    for (const [s, m] of d.maps) r[s] = finite(m.at(x, y, z));
    const first = [...d.maps.values()][0];
    let voxel: VoxelInfo['voxel'] = null;
    if (first) {
      const v = first.index(x, y, z);
      if (v >= 0) {
        const [nx, ny] = first.dims as [number, number];
        voxel = [v % nx, Math.floor(v / nx) % ny, Math.floor(v / (nx * ny))];
      }
    }
    const roiIdx = d.atlas ? d.atlas.s.at(x, y, z) : Number.NaN;
    const prefIdx = d.pref ? d.pref.s.at(x, y, z) : Number.NaN;
    let timecourse: VoxelInfo['timecourse'] = null;
    if (d.tc) {
      const s = space && d.tc.predicted.has(space) ? space : d.tc.space;
      const m = d.maps.get(s) ?? first;
      const v = m ? m.index(x, y, z) : -1;
      const c = v >= 0 ? d.tc.index.get(v) : undefined;
      const pred = d.tc.predicted.get(s);
      if (c !== undefined && pred) {
        const measured: number[] = [];
        const predicted: number[] = [];
        for (let t = 0; t < d.tc.T; t++) {
          measured.push(d.tc.measured[t * d.tc.n + c] as number);
          predicted.push(pred[t * d.tc.n + c] as number);
        }
        timecourse = { space: s, measured, predicted };
      }
    }
    return {
      subject: this.enc.subject,
      mm: [x, y, z],
      voxel,
      roi:
        Number.isFinite(roiIdx) && roiIdx > 0
          ? (d.atlas?.names.get(Math.round(roiIdx)) ?? String(roiIdx))
          : null,
      atlas: d.atlas !== undefined,
      r,
      noiseCeiling: d.nc ? finite(d.nc.at(x, y, z)) : null,
      // Index 0 is named by the table too ("none": significant in no space).
      preferred:
        Number.isFinite(prefIdx) && (prefIdx > 0 || d.pref?.names.has(0))
          ? (d.pref?.names.get(Math.round(prefIdx)) ?? String(prefIdx))
          : null,
      timecourse,
    };
  }
}
