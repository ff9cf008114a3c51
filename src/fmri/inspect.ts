/**
 * A dataset report for `b2m dataset inspect`: what discovery found, the design it
 * yields, and every problem (file + reason). Works on metadata-only copies: missing
 * imaging files are problems, the design is still built from the events.
 */
import { relative } from 'node:path';
import { type BidsProblem, type DiscoverOptions, discoverBids } from '../io/bids/discover.js';
import { isUserError } from '../util/errors.js';
import { buildDesign, type Design, type DesignOptions, designInputs, type GenreCount } from './design.js';

export interface InspectRun {
  key: string;
  subject: string;
  task: string;
  run: number | null;
  tr: number | null;
  nScans: number | null;
  bold: string | null;
  events: string | null;
  sidecar: string | null;
  preproc: string | null;
  mask: string | null;
  dseg: string | null;
}

export interface DatasetReport {
  root: string;
  name: string | null;
  subjects: {
    id: string;
    runs: number;
    t1w: string | null;
    /** Subject-level Destrieux parcellations (fMRIPrep dseg) by space. */
    destrieux: { space: string; path: string }[];
    freesurferDestrieux: string | null;
  }[];
  tasks: { task: string; runsPerSubject: number }[];
  /** Distinct TRs over runs (one value on a consistent dataset). */
  trs: number[];
  /** Distinct scan counts over runs whose image was readable. */
  scansPerRun: number[];
  spaces: string[];
  space: string | null;
  imaging: {
    boldPresent: number;
    boldMissing: number;
    t1wPresent: number;
    preprocPresent: number;
    maskPresent: number;
    dsegPresent: number;
  };
  runs: InspectRun[];
  design:
    | {
        ok: true;
        tr: number;
        subjects: string[];
        identicalAcrossSubjects: boolean;
        trainClips: number;
        testClips: number;
        testRepetitions: number;
        perGenre: GenreCount[];
        runs: { key: string; split: string; kept: number; dropped: number; nScansNeeded: number }[];
        notes: string[];
      }
    | { ok: false; error: string };
  problems: BidsProblem[];
}

export interface InspectOptions extends DiscoverOptions, DesignOptions {
  subjects?: string[];
}

/** Inspects `root`; never throws for dataset content (only for an unreadable root or a bad `--space`). */
export async function inspectDataset(
  root: string,
  opts: InspectOptions = {},
): Promise<{ report: DatasetReport; design: Design | null }> {
  const ds = await discoverBids(root, opts);
  const rel = (p: string | undefined) => (p === undefined ? null : relative(root, p) || '.');
  let design: Design | null = null;
  let designPart: DatasetReport['design'];
  try {
    design = buildDesign(designInputs(ds, opts.subjects), opts);
    designPart = {
      ok: true,
      tr: design.tr,
      subjects: design.subjects,
      identicalAcrossSubjects: design.identicalAcrossSubjects,
      trainClips: design.counts.trainClips,
      testClips: design.counts.testClips,
      testRepetitions: design.counts.testRepetitions,
      perGenre: design.counts.perGenre,
      runs: design.runs.map((r) => ({
        key: r.key,
        split: r.split,
        kept: r.events.length,
        dropped: r.dropped.length,
        nScansNeeded: r.nScansNeeded,
      })),
      notes: design.notes.map((n) => n.replace(`${root}/`, '')),
    };
  } catch (e) {
    if (!isUserError(e)) throw e;
    designPart = { ok: false, error: e.format().replace(`${root}/`, '') };
  }
  const taskRuns = new Map<string, number>();
  for (const r of ds.runs)
    if (r.subject === ds.subjects[0]?.id) taskRuns.set(r.task, (taskRuns.get(r.task) ?? 0) + 1);
  const runs: InspectRun[] = ds.runs.map((r) => ({
    key: r.key,
    subject: r.subject,
    task: r.task,
    run: r.run,
    tr: r.tr ?? null,
    nScans: r.nScans ?? null,
    bold: rel(r.bold),
    events: rel(r.events),
    sidecar: rel(r.sidecar),
    preproc: rel(r.preproc),
    mask: rel(r.mask),
    dseg: rel(r.dseg),
  }));
  const report: DatasetReport = {
    root,
    name: ds.name ?? null,
    subjects: ds.subjects.map((s) => ({
      id: s.id,
      runs: s.runs.length,
      t1w: rel(s.t1w),
      destrieux: Object.entries(s.anatDseg).map(([space, path]) => ({ space, path: rel(path)! })),
      freesurferDestrieux: rel(s.freesurferDestrieux),
    })),
    tasks: [...taskRuns].map(([task, n]) => ({ task, runsPerSubject: n })),
    trs: [...new Set(ds.runs.map((r) => r.tr).filter((t): t is number => t !== undefined))].sort(
      (a, b) => a - b,
    ),
    scansPerRun: [...new Set(ds.runs.map((r) => r.nScans).filter((t): t is number => t !== undefined))].sort(
      (a, b) => a - b,
    ),
    spaces: ds.spaces,
    space: ds.space ?? null,
    imaging: {
      boldPresent: ds.runs.filter((r) => r.bold).length,
      boldMissing: ds.runs.filter((r) => !r.bold).length,
      t1wPresent: ds.subjects.filter((s) => s.t1w).length,
      preprocPresent: ds.runs.filter((r) => r.derivatives.some((d) => d.preproc)).length,
      maskPresent: ds.runs.filter((r) => r.derivatives.some((d) => d.mask)).length,
      dsegPresent: ds.runs.filter((r) => r.derivatives.some((d) => d.dseg)).length,
    },
    runs,
    design: designPart,
    problems: ds.problems.map((p) => ({ ...p, file: rel(p.file) ?? p.file })),
  };
  return { report, design };
}

/** The report as human text (the `--json` form is the report object itself). */
export function formatReport(r: DatasetReport): string {
  const out: string[] = [];
  const line = (k: string, v: string) => out.push(`${k.padEnd(10)}${v}`);
  line('dataset', `${r.name ?? '(no name)'}  ${r.root}`);
  const ids = r.subjects.map((s) => `sub-${s.id}`);
  line(
    'subjects',
    `${ids.length}: ${ids.length > 6 ? `${ids.slice(0, 3).join(', ')} … ${ids.at(-1)}` : ids.join(', ')}`,
  );
  line(
    'tasks',
    r.tasks
      .map((t) => `${t.task} (${t.runsPerSubject} run${t.runsPerSubject === 1 ? '' : 's'} per subject)`)
      .join(', ') || 'none',
  );
  line(
    'TR',
    r.trs.length ? `${r.trs.join(', ')} s${r.trs.length > 1 ? '  (differs between runs!)' : ''}` : 'unknown',
  );
  line(
    'scans',
    r.scansPerRun.length ? `${r.scansPerRun.join(', ')} per run` : 'unknown (no readable images)',
  );
  const im = r.imaging;
  const total = im.boldPresent + im.boldMissing;
  line(
    'imaging',
    `${im.boldPresent} of ${total} BOLD runs present, ${im.t1wPresent} of ${r.subjects.length} T1w`,
  );
  line(
    'fMRIPrep',
    r.spaces.length
      ? `spaces ${r.spaces.join(', ')}${r.space ? ` (using ${r.space})` : ' (choose one with --space)'}; ${im.preprocPresent} runs preprocessed, ${im.maskPresent} with masks, ${im.dsegPresent} with Destrieux`
      : 'no derivatives found',
  );
  const anat = r.subjects.filter((s) => s.destrieux.length > 0).length;
  if (anat) line('Destrieux', `anatomical parcellation for ${anat} of ${r.subjects.length} subjects`);
  const fs = r.subjects.filter((s) => s.freesurferDestrieux).length;
  if (fs) line('FreeSurfer', `aparc.a2009s+aseg for ${fs} of ${r.subjects.length} subjects`);
  const d = r.design;
  if (d.ok) {
    line(
      'design',
      `ok, ${d.identicalAcrossSubjects ? 'identical for' : 'built from'} ${d.subjects.length} subject${d.subjects.length > 1 ? 's' : ''}`,
    );
    const train = d.runs.filter((x) => x.split === 'train');
    const test = d.runs.filter((x) => x.split === 'test');
    const dropped = d.runs.reduce((a, x) => a + x.dropped, 0);
    out.push(
      `  train   ${d.trainClips} clips in ${train.length} runs (${summarize(train.map((x) => x.kept))} kept events per run)`,
    );
    out.push(
      `  test    ${d.testClips} clips × ${d.testRepetitions} repetitions in ${test.length} runs (${summarize(test.map((x) => x.kept))} kept events per run)`,
    );
    out.push(`  dropped ${dropped} repeated first events (one per run)`);
    out.push(`  needs   ${summarize(d.runs.map((x) => x.nScansNeeded))} scans per run at TR ${d.tr} s`);
    out.push(
      `  genre   ${d.perGenre.map((g) => `${g.genre} ${g.train}/${g.test}`).join(', ')}  (train/test)`,
    );
    for (const n of d.notes) out.push(`  note    ${n}`);
  } else {
    line('design', `CANNOT BE BUILT: ${d.error}`);
  }
  if (r.problems.length) {
    out.push(`problems  ${r.problems.length}`);
    for (const p of r.problems) out.push(`  ${p.severity.padEnd(8)}${p.file}: ${p.reason}`);
  } else {
    out.push('problems  none');
  }
  return `${out.join('\n')}\n`;
}

function summarize(xs: number[]): string {
  if (xs.length === 0) return '0';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo === hi ? `${lo}` : `${lo}–${hi}`;
}
