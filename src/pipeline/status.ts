/** What `b2m status` shows: a run's planned jobs, per stage, done or not (from the run folder alone). */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RunFolder } from './run-folder.js';

export interface PlannedJob {
  key: string;
  stage: string;
  label: string;
  deps: string[];
}

export interface RunStatus {
  root: string;
  /** stage → counts, in plan order. */
  stages: Array<{ stage: string; done: number; total: number; pending: string[] }>;
  done: number;
  total: number;
  finished: boolean;
}

export async function runStatus(root: string): Promise<RunStatus> {
  const folder = await RunFolder.open(root);
  const plan = folder.path('jobs.json');
  const jobs: PlannedJob[] = existsSync(plan) ? JSON.parse(await readFile(plan, 'utf8')) : [];
  const stages = new Map<string, { stage: string; done: number; total: number; pending: string[] }>();
  for (const j of jobs) {
    const s = stages.get(j.stage) ?? { stage: j.stage, done: 0, total: 0, pending: [] };
    s.total++;
    if (folder.stages.has(j.stage, j.key)) s.done++;
    else s.pending.push(j.label);
    stages.set(j.stage, s);
  }
  const list = [...stages.values()];
  const done = list.reduce((a, s) => a + s.done, 0);
  return {
    root: folder.root,
    stages: list,
    done,
    total: jobs.length,
    finished: existsSync(folder.path('metrics.json')) && done === jobs.length,
  };
}
