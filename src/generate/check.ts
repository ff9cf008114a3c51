/**
 * The run configuration's generation settings, checked before any work: unknown
 * generator names, N < 1, and a `musicgen` request without a sound model folder
 * are refused with the field named.
 */
import { UserError } from '../util/errors.js';
import type { GenerateConfig } from './config.js';
import { checkModelFolder, MUSICGEN_FILES } from './model-folder.js';
import { generatorByName } from './registry.js';

export async function checkGenerators(
  cfg: Pick<GenerateConfig, 'generators' | 'candidates' | 'modelDir'>,
): Promise<void> {
  for (const name of cfg.generators) generatorByName(name, 'generate.generators');
  if (!Number.isInteger(cfg.candidates) || cfg.candidates < 1)
    throw new UserError(`candidates must be a whole number ≥ 1, got ${cfg.candidates}`, {
      field: 'generate.candidates',
      hint: 'draw at least one candidate per clip',
    });
  if (cfg.generators.includes('musicgen')) {
    if (!cfg.modelDir)
      throw new UserError('the musicgen generator needs a local MusicGen folder', {
        field: 'generate.modelDir',
        hint: 'set generate.modelDir (see docs/generation.md, "Neural generators")',
      });
    await checkModelFolder(cfg.modelDir, MUSICGEN_FILES, 'MusicGen');
  }
}
