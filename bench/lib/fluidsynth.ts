/**
 * FluidSynth (Debian package `fluidsynth`), the reference SoundFont renderer the
 * twin's music renderer is compared with: one command line for the benchmark and
 * the fixture script, so both render under the same settings.
 */
import { spawnSync } from 'node:child_process';

/**
 * Arguments that render `mids` with `soundfont` into raw interleaved s16 stereo at
 * `sampleRate` (reverb and chorus off, gain 0.5, as our renderer runs).
 */
export function fluidsynthArgs(
  soundfont: string,
  mids: string[],
  outRaw: string,
  sampleRate: number,
): string[] {
  return [
    '-ni',
    '-q',
    '-R',
    '0',
    '-C',
    '0',
    '-g',
    '0.5',
    '-r',
    String(sampleRate),
    '-O',
    's16',
    '-T',
    'raw',
    '-F',
    outRaw,
    soundfont,
    ...mids,
  ];
}

export function hasFluidsynth(): boolean {
  return spawnSync('fluidsynth', ['--version'], { stdio: 'ignore' }).status === 0;
}
