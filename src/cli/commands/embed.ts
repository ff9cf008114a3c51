import type { Command } from 'commander';

/** Registers `b2m embed` (being built; see the open issue that owns it). */
export function registerEmbed(_program: Command): void {}
