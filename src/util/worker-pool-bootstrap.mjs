// Worker threads do not inherit the tsx loader of the main thread: register it, then serve.
import { register } from 'tsx/esm/api';

register();
await import('./worker-pool-serve.ts');
