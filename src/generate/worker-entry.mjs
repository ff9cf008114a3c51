// Worker threads do not inherit a loader registered with tsx's API in the parent, so
// the worker registers tsx itself before loading the TypeScript worker module.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
