/** Shared by the report's tests: one small fixture run per test file, in a fresh temp folder. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FixtureOptions, writeFixtureRun } from './fixture.js';

/** 10 test clips (1 per genre), 2 subjects, 1-s clips at 8 kHz: every part present, fast to write. */
export const SMALL: FixtureOptions = { testPerGenre: 1, seconds: 1, sampleRate: 8000 };

export async function tempRun(
  label: string,
  opts: FixtureOptions = {},
): Promise<{ dir: string; run: string; cleanup: () => void; testClips: string[]; subjects: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), `b2m-${label}-`));
  const r = await writeFixtureRun(join(dir, 'run'), { ...SMALL, ...opts });
  return {
    dir,
    run: r.runDir,
    testClips: r.testClips,
    subjects: r.subjects,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
