/**
 * Name → generator. The run configuration names generators by these keys; adding
 * one is one file and one entry here.
 */
import { UserError } from '../util/errors.js';
import { unknownNameHint } from '../util/nearest.js';
import { anchoredGenerator } from './anchor-audio.js';
import { composerGenerator } from './composer.js';
import { musicgenGenerator } from './musicgen.js';
import type { Generator } from './types.js';

export const GENERATORS: Readonly<Record<string, Generator>> = {
  composer: composerGenerator,
  anchored: anchoredGenerator,
  musicgen: musicgenGenerator,
};

export const DEFAULT_GENERATOR = 'composer';

/** The generator called `name`, or a UserError naming the nearest valid names. */
export function generatorByName(name: string, field = 'generate.generators'): Generator {
  const g = GENERATORS[name];
  if (!g)
    throw new UserError(`unknown generator "${name}"`, {
      field,
      hint: unknownNameHint(name, Object.keys(GENERATORS)),
    });
  return g;
}
