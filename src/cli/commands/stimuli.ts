import type { Command } from 'commander';

/** Registers `b2m stimuli` (being built; see the open issue that owns it). */
export function registerStimuli(_program: Command): void {}
