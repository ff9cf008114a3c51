import type { Command } from 'commander';

/** Registers `b2m synth` (being built; see the open issue that owns it). */
export function registerSynth(_program: Command): void {}
