/**
 * Writes a subject's matrices as a folder that Python reads directly:
 *   train_X.npy  float32 n_train × n_voxels     test_X.npy  float32 n_test × n_voxels
 *   train_run.npy / train_window.npy / test_window.npy / test_repetition.npy  int32
 *   samples.json  clip ids per row, run keys, windows per clip, voxel report, settings
 * The folder is written atomically (complete or absent).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../../io/npy.js';
import { writeDirAtomic } from '../../util/atomic.js';
import type { SubjectMatrices } from './prepare.js';

export async function writeSubjectMatrices(
  dir: string,
  m: SubjectMatrices,
  about: Record<string, unknown> = {},
): Promise<void> {
  await writeDirAtomic(dir, async (tmp) => {
    for (const [name, set] of [
      ['train', m.train],
      ['test', m.test],
    ] as const) {
      await writeNpy(join(tmp, `${name}_X.npy`), set.X.data, [set.X.rows, set.X.cols]);
      await writeNpy(join(tmp, `${name}_run.npy`), set.run, [set.run.length]);
      await writeNpy(join(tmp, `${name}_window.npy`), set.window, [set.window.length]);
      await writeNpy(join(tmp, `${name}_clip.npy`), set.clipIndex, [set.clipIndex.length]);
      await writeNpy(join(tmp, `${name}_repetition.npy`), set.repetition, [set.repetition.length]);
    }
    const samples = {
      ...about,
      nVoxels: m.nVoxels,
      windowsPerClip: m.windowsPerClip,
      train: { rows: m.train.X.rows, clipIds: m.train.clipIds, runKeys: m.train.runKeys },
      test: {
        rows: m.test.X.rows,
        clipIds: m.test.clipIds,
        runKeys: m.test.runKeys,
        repetitionsAveraged: m.options.averageTestRepetitions,
      },
      constantVoxels: m.constantVoxels,
      nonFiniteVoxels: m.nonFiniteVoxels,
      truncatedWindows: m.truncatedWindows,
      options: m.options,
    };
    await writeFile(join(tmp, 'samples.json'), `${JSON.stringify(samples)}\n`);
  });
}
