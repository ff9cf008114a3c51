/** Moved to src/testing/bids.ts (the one home of shared test helpers); kept for old imports. */
export * from '../../testing/bids.js';
