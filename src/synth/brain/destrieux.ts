/**
 * The Destrieux (FreeSurfer `aparc.a2009s`) regions the twin's brains model, with
 * their real label numbers and names, and where each sits and how strongly it
 * responds to music.
 *
 * Numbers and names follow FreeSurfer's `FreeSurferColorLUT.txt` (revision
 * 1.105, 2015-07-29), section "cortical labels of the seg volume created by
 * mri_aparc2aseg --a2009s": left hemisphere = 11100 + index (`ctx_lh_*`), right
 * hemisphere = 12100 + index (`ctx_rh_*`). The non-cortical labels (white matter
 * 2/41, cerebellum cortex 8/47) are the aseg numbers of the same table, as in
 * fMRIPrep's `desc-aparc.a2009s_dseg`.
 */

export interface RegionSpec {
  /** Destrieux index within a hemisphere (1..75); label = 11100/12100 + index. */
  readonly index: number;
  /** Destrieux short name, e.g. `G_temp_sup-G_T_transv`. */
  readonly name: string;
  /** Approximate centre in MNI-like template mm, LEFT hemisphere (x < 0); mirrored for the right. */
  readonly seed: readonly [number, number, number];
  /** Gain of the acoustic (spectro-temporal) tuning, 0..1. */
  readonly acoustic: number;
  /** Gain of the semantic (genre, instruments, mood) tuning, 0..1. */
  readonly semantic: number;
  /** Role in the twin: driven by music, weakly driven, or a control region (no tuning). */
  readonly role: 'auditory' | 'weak' | 'control';
}

/**
 * Regions, with the gains that make auditory cortex strongest (Heschl's gyrus,
 * then planum temporale and lateral STG: primary and secondary auditory cortex),
 * weaker beyond (STS, planum polare, MTG, IFG pars opercularis), and none in the
 * frontal, parietal and occipital control regions.
 * Acoustic tuning dominates early areas, semantic tuning grows along the STS
 * hierarchy (as in Kell et al. 2018; Norman-Haignere et al. 2015).
 */
export const MODELED_REGIONS: readonly RegionSpec[] = [
  {
    index: 33,
    name: 'G_temp_sup-G_T_transv',
    seed: [-58, -20, 12],
    acoustic: 1.0,
    semantic: 0.25,
    role: 'auditory',
  },
  {
    index: 75,
    name: 'S_temporal_transverse',
    seed: [-56, -29, 22],
    acoustic: 0.9,
    semantic: 0.25,
    role: 'auditory',
  },
  {
    index: 36,
    name: 'G_temp_sup-Plan_tempo',
    seed: [-60, -38, 16],
    acoustic: 0.8,
    semantic: 0.45,
    role: 'auditory',
  },
  {
    index: 34,
    name: 'G_temp_sup-Lateral',
    seed: [-64, -10, -2],
    acoustic: 0.7,
    semantic: 0.55,
    role: 'auditory',
  },
  {
    index: 35,
    name: 'G_temp_sup-Plan_polar',
    seed: [-54, 8, -8],
    acoustic: 0.5,
    semantic: 0.35,
    role: 'weak',
  },
  { index: 74, name: 'S_temporal_sup', seed: [-62, -34, -6], acoustic: 0.3, semantic: 0.6, role: 'weak' },
  { index: 38, name: 'G_temporal_middle', seed: [-66, -30, -16], acoustic: 0.1, semantic: 0.3, role: 'weak' },
  {
    index: 12,
    name: 'G_front_inf-Opercular',
    seed: [-52, 12, 16],
    acoustic: 0.05,
    semantic: 0.2,
    role: 'weak',
  },
  { index: 37, name: 'G_temporal_inf', seed: [-56, -30, -30], acoustic: 0, semantic: 0, role: 'control' },
  { index: 44, name: 'Pole_temporal', seed: [-40, 14, -34], acoustic: 0, semantic: 0, role: 'control' },
  { index: 14, name: 'G_front_inf-Triangul', seed: [-48, 30, 8], acoustic: 0, semantic: 0, role: 'control' },
  { index: 15, name: 'G_front_middle', seed: [-38, 32, 36], acoustic: 0, semantic: 0, role: 'control' },
  { index: 16, name: 'G_front_sup', seed: [-18, 36, 54], acoustic: 0, semantic: 0, role: 'control' },
  { index: 24, name: 'G_orbital', seed: [-28, 38, -14], acoustic: 0, semantic: 0, role: 'control' },
  { index: 29, name: 'G_precentral', seed: [-44, -8, 48], acoustic: 0, semantic: 0, role: 'control' },
  { index: 28, name: 'G_postcentral', seed: [-44, -30, 56], acoustic: 0, semantic: 0, role: 'control' },
  {
    index: 26,
    name: 'G_pariet_inf-Supramar',
    seed: [-58, -42, 34],
    acoustic: 0,
    semantic: 0,
    role: 'control',
  },
  {
    index: 25,
    name: 'G_pariet_inf-Angular',
    seed: [-46, -64, 36],
    acoustic: 0,
    semantic: 0,
    role: 'control',
  },
  { index: 27, name: 'G_parietal_sup', seed: [-24, -60, 62], acoustic: 0, semantic: 0, role: 'control' },
  { index: 30, name: 'G_precuneus', seed: [-8, -62, 46], acoustic: 0, semantic: 0, role: 'control' },
  { index: 11, name: 'G_cuneus', seed: [-8, -84, 22], acoustic: 0, semantic: 0, role: 'control' },
  { index: 19, name: 'G_occipital_middle', seed: [-36, -84, 8], acoustic: 0, semantic: 0, role: 'control' },
  { index: 43, name: 'Pole_occipital', seed: [-14, -100, 4], acoustic: 0, semantic: 0, role: 'control' },
  { index: 7, name: 'G_and_S_cingul-Mid-Ant', seed: [-6, 16, 34], acoustic: 0, semantic: 0, role: 'control' },
  {
    index: 8,
    name: 'G_and_S_cingul-Mid-Post',
    seed: [-6, -22, 40],
    acoustic: 0,
    semantic: 0,
    role: 'control',
  },
  { index: 9, name: 'G_cingul-Post-dorsal', seed: [-6, -46, 30], acoustic: 0, semantic: 0, role: 'control' },
  { index: 42, name: 'Medial_wall', seed: [-5, -18, 4], acoustic: 0, semantic: 0, role: 'control' },
  {
    index: 23,
    name: 'G_oc-temp_med-Parahip',
    seed: [-24, -32, -18],
    acoustic: 0,
    semantic: 0,
    role: 'control',
  },
  {
    index: 21,
    name: 'G_oc-temp_lat-fusifor',
    seed: [-38, -55, -20],
    acoustic: 0,
    semantic: 0,
    role: 'control',
  },
];

/** aseg labels used for the non-cortical brain tissue. */
export const ASEG = {
  leftWhiteMatter: { label: 2, name: 'Left-Cerebral-White-Matter' },
  rightWhiteMatter: { label: 41, name: 'Right-Cerebral-White-Matter' },
  leftCerebellum: { label: 8, name: 'Left-Cerebellum-Cortex' },
  rightCerebellum: { label: 47, name: 'Right-Cerebellum-Cortex' },
} as const;

export type Hemisphere = 'lh' | 'rh';

/** The dseg label number of a region in a hemisphere (FreeSurfer aparc.a2009s+aseg numbering). */
export function regionLabel(region: RegionSpec, hemi: Hemisphere): number {
  return (hemi === 'lh' ? 11100 : 12100) + region.index;
}

/** The dseg label name, e.g. `ctx_lh_G_temp_sup-G_T_transv`. */
export function regionLabelName(region: RegionSpec, hemi: Hemisphere): string {
  return `ctx_${hemi}_${region.name}`;
}

/** Every label the twin's dseg can hold: number → name, sorted by number. */
export function labelTable(): { index: number; name: string }[] {
  const rows: { index: number; name: string }[] = Object.values(ASEG).map((a) => ({
    index: a.label,
    name: a.name,
  }));
  for (const hemi of ['lh', 'rh'] as const) {
    for (const r of MODELED_REGIONS)
      rows.push({ index: regionLabel(r, hemi), name: regionLabelName(r, hemi) });
  }
  return rows.sort((a, b) => a.index - b.index);
}

/** The region (and hemisphere) of a cortical dseg label, or null for other labels. */
export function regionOfLabel(label: number): { region: RegionSpec; hemi: Hemisphere } | null {
  const hemi: Hemisphere | null =
    label > 11100 && label <= 11175 ? 'lh' : label > 12100 && label <= 12175 ? 'rh' : null;
  if (!hemi) return null;
  const index = label - (hemi === 'lh' ? 11100 : 12100);
  const region = MODELED_REGIONS.find((r) => r.index === index);
  return region ? { region, hemi } : null;
}
