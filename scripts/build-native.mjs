#!/usr/bin/env node
// Builds the optional native BLAS/LAPACK addon (native/). A failed build is not
// fatal: the library falls back to the portable backend, and `b2m doctor` says why.
// The real build logic is owned by the numeric engine (see docs/ARCHITECTURE.md).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(root, 'native', 'binding.gyp'))) {
  console.log('[b2m] no native/binding.gyp yet; skipping the native addon build');
  process.exit(0);
}
