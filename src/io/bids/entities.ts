/**
 * BIDS file names: `sub-01_ses-a_task-x_run-02_space-T1w_desc-preproc_bold.nii.gz`
 * is a list of `key-value` entities, a suffix (`bold`) and an extension (`.nii.gz`).
 */

export interface BidsName {
  /** Entities in file order, e.g. { sub: '01', task: 'x', run: '02' }. */
  entities: Record<string, string>;
  /** The part after the last entity, e.g. `bold`, `events`, `mask`, `dseg`. */
  suffix: string;
  /** Extension including the leading dot, e.g. `.nii.gz`, `.json`, `.tsv`. */
  extension: string;
}

/** Parses a BIDS file name (no folder); null when it does not follow the pattern. */
export function parseBidsName(name: string): BidsName | null {
  const m = /^(.*?)((?:\.[A-Za-z0-9]+)+)$/.exec(name);
  if (!m) return null;
  const stem = m[1]!;
  const extension = m[2]!;
  const parts = stem.split('_');
  const suffix = parts.pop()!;
  if (!suffix || suffix.includes('-') || parts.length === 0) return null;
  const entities: Record<string, string> = {};
  for (const p of parts) {
    const i = p.indexOf('-');
    if (i <= 0 || i === p.length - 1) return null;
    entities[p.slice(0, i)] = p.slice(i + 1);
  }
  if (!entities.sub) return null;
  return { entities, suffix, extension };
}

/** True for the NIfTI extensions BIDS allows. */
export function isNifti(extension: string): boolean {
  return extension === '.nii' || extension === '.nii.gz';
}

/** The identity of a functional run: `sub-001[_ses-x]_task-Training[_acq-y][_run-01]`. */
export function runKey(e: Record<string, string>): string {
  const parts = [`sub-${e.sub}`];
  for (const k of ['ses', 'task', 'acq', 'ce', 'dir', 'rec', 'run', 'echo']) {
    if (e[k] !== undefined) parts.push(`${k}-${e[k]}`);
  }
  return parts.join('_');
}
