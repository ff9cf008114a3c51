import type { Command } from 'commander';

/** Registers `b2m dataset` (being built; see the open issue that owns it). */
export function registerDataset(_program: Command): void {}
