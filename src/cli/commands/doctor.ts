import type { Command } from 'commander';

/** Registers `b2m doctor` (being built; see the open issue that owns it). */
export function registerDoctor(_program: Command): void {}
