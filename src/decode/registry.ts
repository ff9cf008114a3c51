/**
 * The decoder registry: name → decoder. Adding a decoder is one file exporting a
 * `Decoder` and one line here; the contract tests pick it up.
 */
import { UserError } from '../util/errors.js';
import { unknownNameHint } from '../util/nearest.js';
import { aligned } from './aligned.js';
import { encodingSelected } from './encoding-selected.js';
import { kernelRbf } from './kernel-rbf.js';
import { roiEnsemble } from './roi-ensemble.js';
import type { Decoder } from './types.js';
import { wholeCortex } from './whole-cortex.js';

export const DECODERS: Readonly<Record<string, Decoder>> = {
  [roiEnsemble.name]: roiEnsemble,
  [wholeCortex.name]: wholeCortex,
  [encodingSelected.name]: encodingSelected,
  [aligned.name]: aligned,
  [kernelRbf.name]: kernelRbf,
};

/** The decoder called `name`, or a UserError naming the nearest valid names. */
export function getDecoder(name: string): Decoder {
  const d = Object.hasOwn(DECODERS, name) ? DECODERS[name] : undefined;
  if (!d) {
    throw new UserError(`unknown decoder '${name}'`, {
      field: 'decode.decoders',
      hint: unknownNameHint(name, Object.keys(DECODERS)),
    });
  }
  return d;
}
