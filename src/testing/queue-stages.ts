/**
 * Tiny stages for the executor tests: `test-square` (sleeps, then squares; appends
 * "start"/"end" lines with its pid to $B2M_TEST_LOG so a test can see who ran what and
 * kill a worker mid-job), `test-sum` (adds other stages' outputs) and `test-poison`
 * (fails with a user error). Registered by the tests and by `queue-worker.ts`.
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Stage } from '../pipeline/stage.js';
import { registerStage } from '../pipeline/stages/index.js';
import { UserError } from '../util/errors.js';

function note(line: string): void {
  if (process.env.B2M_TEST_LOG) appendFileSync(process.env.B2M_TEST_LOG, `${line} ${process.pid}\n`);
}

export const squareStage: Stage<{ x: { hash: string; value: number } }, { delayMs: number }, { y: number }> =
  {
    name: 'test-square',
    version: 1,
    async run({ x }, o) {
      note(`start ${x.value}`);
      await new Promise((r) => setTimeout(r, o.delayMs));
      note(`end ${x.value}`);
      return { y: x.value * x.value };
    },
    async save(dir, out) {
      writeFileSync(join(dir, 'y.json'), JSON.stringify(out));
    },
    async load(dir) {
      return JSON.parse(readFileSync(join(dir, 'y.json'), 'utf8'));
    },
  };

/** `test-square` that says it is slow (for the ready queue's ordering by remaining work). */
export const longStage: typeof squareStage = { ...squareStage, name: 'test-long', typicalSeconds: 100 };

export const sumStage: Stage<{ parts: Array<{ y: number }> }, Record<string, never>, { sum: number }> = {
  name: 'test-sum',
  version: 1,
  async run({ parts }) {
    return { sum: parts.reduce((a, p) => a + p.y, 0) };
  },
  async save(dir, out) {
    writeFileSync(join(dir, 'sum.json'), JSON.stringify(out));
  },
  async load(dir) {
    return JSON.parse(readFileSync(join(dir, 'sum.json'), 'utf8'));
  },
};

export const poisonStage: Stage<
  { x: { hash: string; value: number } },
  Record<string, never>,
  { never: true }
> = {
  name: 'test-poison',
  version: 1,
  async run({ x }) {
    note(`poison ${x.value}`);
    throw new UserError(`value ${x.value} is not allowed`, { field: 'x', hint: 'use another value' });
  },
  async save() {},
  async load() {
    return { never: true };
  },
};

export function registerQueueTestStages(): void {
  registerStage(squareStage);
  registerStage(longStage);
  registerStage(sumStage);
  registerStage(poisonStage);
}
