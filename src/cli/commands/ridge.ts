import type { Command } from 'commander';

/** Registers `b2m ridge` (being built; see the open issue that owns it). */
export function registerRidge(_program: Command): void {}
