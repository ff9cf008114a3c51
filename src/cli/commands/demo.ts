import type { Command } from 'commander';

/** Registers `b2m demo` (wired once the pipeline stages exist). */
export function registerDemo(_program: Command): void {}
