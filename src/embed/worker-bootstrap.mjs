// Worker threads do not inherit the tsx loader that bin/b2m.mjs registers in the
// main thread, so each worker registers it before importing the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
