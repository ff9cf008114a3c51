/**
 * brain2music as a library. The CLI (`src/cli/`) is a thin shell over these exports.
 */

export type { Backend, BackendInfo } from './linalg/backend.js';
export type { DType, FloatArray } from './linalg/matrix.js';
export { Matrix } from './linalg/matrix.js';
export { UserError } from './util/errors.js';
export { Rng } from './util/rng.js';
export { VERSION } from './version.js';
