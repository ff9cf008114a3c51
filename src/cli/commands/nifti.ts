import type { Command } from 'commander';

/** Registers `b2m nifti` (being built; see the open issue that owns it). */
export function registerNifti(_program: Command): void {}
