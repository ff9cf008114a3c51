/** Shared test helpers (test code only): fixtures, tiny NIfTI/BIDS trees, running the CLI. */
export * from './bids.js';
export * from './cli.js';
