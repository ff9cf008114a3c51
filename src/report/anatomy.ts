/**
 * The image maps are drawn over: the subject's T1w named in encoding.json, or,
 * for maps in MNI space without one, the Colin27 template ("ch2") that Debian's
 * `mricron-data` package installs (`B2M_MNI_TEMPLATE` names another file).
 */
import { existsSync } from 'node:fs';
import { encodingPath } from './run-data.js';

export const MNI_TEMPLATES = [
  '/usr/share/mricron/templates/ch2better.nii.gz',
  '/usr/share/mricron/templates/ch2.nii.gz',
];

/** Absolute path of the anatomy to overlay, or undefined when there is none. */
export function anatomyPath(enc: { dir: string; anatomy?: string; space?: string }): string | undefined {
  if (enc.anatomy) {
    const p = encodingPath(enc, enc.anatomy);
    if (existsSync(p)) return p;
  }
  if (enc.space && /^MNI/i.test(enc.space)) {
    const env = process.env.B2M_MNI_TEMPLATE;
    for (const p of env ? [env, ...MNI_TEMPLATES] : MNI_TEMPLATES) if (existsSync(p)) return p;
  }
  return undefined;
}
