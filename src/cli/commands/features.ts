import type { Command } from 'commander';

/** Registers `b2m features` (being built; see the open issue that owns it). */
export function registerFeatures(_program: Command): void {}
