#!/usr/bin/env node
// Entry point of the `b2m` command. The sources are TypeScript, run through tsx's
// loader so that a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
await main(process.argv);
