/**
 * Discovery of a BIDS dataset: subjects, functional runs (task, run number), their
 * imaging files, JSON sidecars (with BIDS inheritance) and events files, plus
 * fMRIPrep derivatives (preprocessed BOLD, brain masks, Destrieux parcellations)
 * and FreeSurfer's `aparc.a2009s+aseg`. Nothing here throws for a missing or broken
 * file: every such finding becomes a `BidsProblem` (file + reason), so that a
 * metadata-only copy can still be inspected. Only an unreadable root throws.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { type BidsName, isNifti, parseBidsName, runKey } from './entities.js';
import { judgeEvents } from './events-check.js';
import { readNiftiDims } from './nifti-dims.js';
import type { BidsProblem } from './problems.js';
import { parseEventsTsv } from './tsv.js';

/** One fMRIPrep output set of a run, in one space. */
export interface RunDerivatives {
  /** Space label, with the resolution when there is one: `T1w`, `MNI152NLin2009cAsym_res-2`. */
  space: string;
  /** `…_desc-preproc_bold.nii[.gz]` */
  preproc?: string;
  /** `…_desc-brain_mask.nii[.gz]` of the run. */
  mask?: string;
  /** `…_desc-aparc.a2009s…_dseg.nii[.gz]` (Destrieux) of the run, when fMRIPrep wrote one. */
  dseg?: string;
}

export interface BidsRun {
  /** `sub-001_task-Training_run-01` (entities that identify the run, in BIDS order). */
  key: string;
  /** Subject label without `sub-`, e.g. `001`. */
  subject: string;
  session?: string;
  task: string;
  /** The `run` entity as a number (null when the file name has none). */
  run: number | null;
  /** Raw BOLD image, when present. */
  bold?: string;
  /** The run's own `_bold.json`, when present. */
  sidecar?: string;
  /** Every sidecar that applies (BIDS inheritance), outermost first. */
  sidecarChain: string[];
  /** The merged sidecar metadata. */
  metadata: Record<string, unknown>;
  events?: string;
  /** Repetition time in seconds: sidecar `RepetitionTime`, else the NIfTI header. */
  tr?: number;
  /** Volumes in the BOLD image (raw, else the chosen preprocessed one); undefined when none is readable. */
  nScans?: number;
  /** Which image `nScans` was read from. */
  nScansFrom?: string;
  /** Derivatives in the chosen space (see `BidsDataset.space`). */
  preproc?: string;
  mask?: string;
  dseg?: string;
  /** Derivatives in every space found. */
  derivatives: RunDerivatives[];
}

export interface BidsSubject {
  /** Label without `sub-`. */
  id: string;
  /** Raw T1w image, when present. */
  t1w?: string;
  /** Subject-level (anatomical) masks and Destrieux parcellations by space. */
  anatMasks: Record<string, string>;
  anatDseg: Record<string, string>;
  /** FreeSurfer `mri/aparc.a2009s+aseg.mgz` (or .nii/.nii.gz), when present. */
  freesurferDestrieux?: string;
  runs: BidsRun[];
}

export interface BidsDataset {
  root: string;
  /** `Name` from dataset_description.json. */
  name?: string;
  subjects: BidsSubject[];
  /** Every run of every subject, sorted by subject, task, run. */
  runs: BidsRun[];
  /** Task names, sorted. */
  tasks: string[];
  /** Derivative spaces found (for `--space`). */
  spaces: string[];
  /** The space the runs' `preproc`/`mask`/`dseg` refer to (undefined: none or ambiguous). */
  space?: string;
  /** Folders searched for derivatives. */
  derivativesRoots: string[];
  problems: BidsProblem[];
}

export interface DiscoverOptions {
  /** Derivatives space to use when several exist (`T1w`, `MNI152NLin2009cAsym`, …). */
  space?: string;
  /** Extra derivatives folders besides `<root>/derivatives`. */
  derivatives?: string[];
  /** Read every BOLD header for the number of scans (default true; a header read is a few hundred bytes). */
  readHeaders?: boolean;
}

export type { BidsProblem } from './problems.js';

const MAX_DEPTH = 8;

/** Parses one events file and judges it by its own rules (see events-check.ts). */
function eventsProblems(path: string): BidsProblem[] {
  try {
    return judgeEvents(parseEventsTsv(path));
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return [{ file: path, line: e.location.line, reason: e.message, severity: 'error' }];
  }
}

/** What the discovery steps share: the runs and subjects found so far, and the problems. */
interface Found {
  root: string;
  runs: Map<string, BidsRun>;
  subjects: Map<string, BidsSubject>;
  problems: BidsProblem[];
}

/**
 * Discovers `root`: subject folders, raw files, derivatives, then each run's
 * metadata and checks. Throws a UserError only when `root` is not a readable folder.
 */
export async function discoverBids(root: string, opts: DiscoverOptions = {}): Promise<BidsDataset> {
  assertFolder(root);
  const found: Found = { root, runs: new Map(), subjects: new Map(), problems: [] };
  const name = readDescription(root, found.problems);
  const subjectDirs = subjectFolders(found);
  readRawFiles(found, subjectDirs);
  const derivativesRoots = [join(root, 'derivatives'), ...(opts.derivatives ?? [])].filter(isDir);
  const spaceList = readDerivatives(found, derivativesRoots);
  const space = chooseSpace(spaceList, opts.space, found.problems, root);
  const allRuns = [...found.runs.values()].sort(compareRuns);
  for (const run of allRuns) {
    const subject = found.subjects.get(run.subject);
    // A run known only from derivatives of a subject without a raw folder was skipped.
    if (!subject) continue;
    subject.runs.push(run);
    await completeRun(found, run, space, opts.readHeaders ?? true);
  }
  const finalRuns = allRuns.filter((r) => found.subjects.has(r.subject));
  return {
    root,
    name,
    subjects: [...found.subjects.values()],
    runs: finalRuns,
    tasks: [...new Set(finalRuns.map((r) => r.task))].sort(),
    spaces: spaceList,
    space,
    derivativesRoots,
    problems: found.problems,
  };
}

function assertFolder(root: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(root);
  } catch (e) {
    throw new UserError(`dataset folder not found: ${(e as Error).message}`, {
      file: root,
      hint: 'pass the root of a BIDS dataset (the folder with dataset_description.json and sub-* folders)',
      cause: e,
    });
  }
  if (!st.isDirectory()) {
    throw new UserError('not a folder', { file: root, hint: 'pass the root folder of a BIDS dataset' });
  }
}

/** The `sub-<label>` folders, sorted; folders that look like subjects but are mis-named become problems. */
function subjectFolders({ root, problems }: Found): string[] {
  const subjectDirs = safeList(root)
    .filter((n) => /^sub-[A-Za-z0-9]+$/.test(n) && isDir(join(root, n)))
    .sort();
  // A folder meant as a subject but not named by BIDS rules would be skipped without a
  // word: list it (sub_01, Sub-01, sub-01_old, "sub-01 copy").
  for (const n of safeList(root)) {
    if (/^sub[-_ ]?/i.test(n) && !/^sub-[A-Za-z0-9]+$/.test(n) && isDir(join(root, n))) {
      problems.push({
        file: join(root, n),
        reason: `folder '${n}' looks like a subject but does not follow BIDS naming (sub-<label>, letters and digits only); it is not used`,
        severity: 'error',
      });
    }
  }
  if (subjectDirs.length === 0) {
    problems.push({ file: root, reason: 'no sub-* folders: not a BIDS dataset root', severity: 'error' });
  }
  return subjectDirs;
}

/** Raw files (sub-X, ses-Y, func and anat folders) and the sidecars above them (BIDS inheritance). */
function readRawFiles({ root, runs, subjects, problems }: Found, subjectDirs: string[]): void {
  const topSidecars = listSidecars(root);
  const chained = new Set<string>();
  for (const sd of subjectDirs) {
    const id = sd.slice(4);
    const subject: BidsSubject = { id, anatMasks: {}, anatDseg: {}, runs: [] };
    subjects.set(id, subject);
    const subSidecars = listSidecars(join(root, sd));
    const sessionDirs = safeList(join(root, sd)).filter(
      (n) => n.startsWith('ses-') && isDir(join(root, sd, n)),
    );
    const containers = sessionDirs.length ? sessionDirs.map((s) => join(root, sd, s)) : [join(root, sd)];
    for (const dir of containers) {
      const sesSidecars = dir === join(root, sd) ? [] : listSidecars(dir);
      const anat = join(dir, 'anat');
      for (const f of safeList(anat)) {
        const p = parseBidsName(f);
        if (p?.suffix === 'T1w' && isNifti(p.extension)) subject.t1w ??= join(anat, f);
      }
      const func = join(dir, 'func');
      for (const f of safeList(func).sort()) {
        const p = parseBidsName(f);
        if (!p?.entities.task) continue;
        if (p.entities.sub !== id) {
          problems.push({
            file: join(func, f),
            reason: `file names subject ${p.entities.sub} inside ${sd}`,
            severity: 'error',
          });
          continue;
        }
        const run = getRun(runs, p);
        const path = join(func, f);
        if (p.suffix === 'bold' && isNifti(p.extension)) run.bold = path;
        else if (p.suffix === 'bold' && p.extension === '.json') run.sidecar = path;
        else if (p.suffix === 'events' && p.extension === '.tsv') run.events = path;
      }
      for (const run of runs.values()) {
        if (run.subject !== id || chained.has(run.key)) continue;
        chained.add(run.key);
        const chain = [...topSidecars, ...subSidecars, ...sesSidecars]
          .filter((s) => appliesTo(s.name, run))
          .map((s) => s.path);
        if (run.sidecar) chain.push(run.sidecar);
        run.sidecarChain = chain;
      }
    }
    if (!subject.t1w) {
      problems.push({
        file: join(root, sd, 'anat', `${sd}_T1w.nii[.gz]`),
        reason: 'anatomical image missing',
        severity: 'missing',
      });
    }
  }
}

/** fMRIPrep / FreeSurfer outputs in every derivatives folder; returns the spaces of preprocessed runs. */
function readDerivatives({ runs, subjects, problems }: Found, derivativesRoots: string[]): string[] {
  const spaces = new Set<string>();
  for (const droot of derivativesRoots) {
    walk(droot, 0, (path) => {
      const f = basename(path);
      if (/^aparc\.a2009s\+aseg\.(mgz|nii|nii\.gz)$/.test(f)) {
        const sub = /(?:^|[/\\])sub-([A-Za-z0-9]+)[/\\]mri[/\\]/.exec(path)?.[1];
        const s = sub ? subjects.get(sub) : undefined;
        if (s) s.freesurferDestrieux ??= path;
        return;
      }
      const p = parseBidsName(f);
      if (!p || !isNifti(p.extension) || !p.entities.space) return;
      const space = p.entities.res ? `${p.entities.space}_res-${p.entities.res}` : p.entities.space;
      const desc = p.entities.desc ?? '';
      const isPreproc = p.suffix === 'bold' && desc === 'preproc';
      const isMask = p.suffix === 'mask' && desc === 'brain';
      const isDestrieux = p.suffix === 'dseg' && /a2009s/i.test(desc);
      if (!isPreproc && !isMask && !isDestrieux) return;
      const subject = subjects.get(p.entities.sub!);
      if (!subject) {
        problems.push({
          file: path,
          reason: `derivative of subject ${p.entities.sub}, who has no raw folder`,
          severity: 'warning',
        });
        return;
      }
      if (!p.entities.task) {
        if (isMask) subject.anatMasks[space] ??= path;
        if (isDestrieux) subject.anatDseg[space] ??= path;
        return;
      }
      if (isPreproc) spaces.add(space);
      const run = getRun(runs, p);
      let d = run.derivatives.find((x) => x.space === space);
      if (!d) run.derivatives.push((d = { space }));
      if (isPreproc) d.preproc ??= path;
      if (isMask) d.mask ??= path;
      if (isDestrieux) d.dseg ??= path;
    });
  }
  return [...spaces].sort();
}

/** Per run: metadata, derivatives in the chosen space, events checks, TR, number of scans, missing files. */
async function completeRun(
  { root, problems }: Found,
  run: BidsRun,
  space: string | undefined,
  readHeaders: boolean,
): Promise<void> {
  run.metadata = mergeSidecars(run.sidecarChain, problems);
  const d = space ? run.derivatives.find((x) => x.space === space) : undefined;
  if (d) {
    run.preproc = d.preproc;
    run.mask = d.mask;
    run.dseg = d.dseg;
  }
  const expected = (suffix: string) =>
    join(
      root,
      `sub-${run.subject}`,
      ...(run.session ? [`ses-${run.session}`] : []),
      'func',
      `${run.key}_${suffix}`,
    );
  if (!run.bold)
    problems.push({ file: expected('bold.nii[.gz]'), reason: 'BOLD image missing', severity: 'missing' });
  if (!run.events)
    problems.push({ file: expected('events.tsv'), reason: 'events file missing', severity: 'missing' });
  else problems.push(...eventsProblems(run.events));
  if (run.sidecarChain.length === 0) {
    problems.push({
      file: expected('bold.json'),
      reason: 'no JSON sidecar applies to this run',
      severity: 'missing',
    });
  }
  if (space && run.bold && !d?.preproc) {
    problems.push({
      file: run.bold,
      reason: `no preprocessed image in space ${space} for this run`,
      severity: 'missing',
    });
  }
  if (d?.preproc && !d.mask) {
    problems.push({
      file: d.preproc,
      reason: `no brain mask (desc-brain_mask) in space ${space} for this run`,
      severity: 'warning',
    });
  }
  const rt = run.metadata.RepetitionTime;
  if (rt !== undefined) {
    if (typeof rt === 'number' && rt > 0 && Number.isFinite(rt)) run.tr = rt;
    else
      problems.push({
        file: run.sidecar ?? run.sidecarChain.at(-1) ?? root,
        reason: `RepetitionTime is ${JSON.stringify(rt)}, not a positive number of seconds`,
        severity: 'error',
      });
  }
  const image = run.bold ?? run.preproc;
  if (readHeaders && image) {
    try {
      const dims = await readNiftiDims(image);
      if (dims.dims.length < 4 && dims.dims.length !== 3) {
        problems.push({
          file: image,
          reason: `image has ${dims.dims.length} dimensions, expected 4 (x, y, z, time)`,
          severity: 'error',
        });
      } else {
        run.nScans = dims.dims.length >= 4 ? dims.dims[3] : 1;
        run.nScansFrom = image;
      }
      if (run.tr === undefined && dims.tr > 0) run.tr = dims.tr;
      else if (run.tr !== undefined && dims.tr > 0 && Math.abs(dims.tr - run.tr) > 1e-3) {
        problems.push({
          file: image,
          reason: `header TR ${dims.tr} s differs from the sidecar's RepetitionTime ${run.tr} s (the sidecar wins)`,
          severity: 'warning',
        });
      }
    } catch (e) {
      problems.push({ file: image, reason: (e as Error).message, severity: 'error' });
    }
  }
  if (run.tr === undefined) {
    problems.push({
      file: run.sidecar ?? expected('bold.json'),
      reason: 'repetition time unknown (no RepetitionTime in the sidecar, no readable header)',
      severity: 'error',
    });
  }
}

function chooseSpace(
  spaces: string[],
  wanted: string | undefined,
  problems: BidsProblem[],
  root: string,
): string | undefined {
  if (wanted !== undefined) {
    if (spaces.includes(wanted)) return wanted;
    const byPrefix = spaces.filter((s) => s.split('_res-')[0] === wanted);
    if (byPrefix.length === 1) return byPrefix[0];
    throw new UserError(
      `space "${wanted}" ${byPrefix.length > 1 ? 'is ambiguous' : 'not found among the derivatives'} (found: ${spaces.join(', ') || 'none'})`,
      {
        file: join(root, 'derivatives'),
        field: 'space',
        hint: `pass --space with one of: ${spaces.join(', ') || '(no preprocessed images found)'}`,
      },
    );
  }
  if (spaces.length === 1) return spaces[0];
  if (spaces.length > 1) {
    problems.push({
      file: join(root, 'derivatives'),
      reason: `preprocessed images exist in several spaces (${spaces.join(', ')}); choose one with --space`,
      severity: 'warning',
    });
  }
  return undefined;
}

function getRun(runs: Map<string, BidsRun>, p: BidsName): BidsRun {
  const key = runKey(p.entities);
  let run = runs.get(key);
  if (!run) {
    const r = p.entities.run;
    run = {
      key,
      subject: p.entities.sub!,
      session: p.entities.ses,
      task: p.entities.task!,
      run: r !== undefined && /^\d+$/.test(r) ? Number(r) : null,
      sidecarChain: [],
      metadata: {},
      derivatives: [],
    };
    runs.set(key, run);
  }
  return run;
}

interface Sidecar {
  path: string;
  name: BidsName;
}

/** `*_bold.json` files directly in `dir` (inheritance candidates). */
function listSidecars(dir: string): Sidecar[] {
  const out: Sidecar[] = [];
  for (const f of safeList(dir).sort()) {
    if (!f.endsWith('_bold.json')) continue;
    // Top-level sidecars have no sub- entity: parse them with a placeholder subject.
    const p = parseBidsName(f.startsWith('sub-') ? f : `sub-x_${f}`);
    if (!p) continue;
    if (!f.startsWith('sub-')) delete p.entities.sub;
    out.push({ path: join(dir, f), name: p });
  }
  return out;
}

/** BIDS inheritance: a sidecar applies when each of its entities matches the run's. */
function appliesTo(s: BidsName, run: BidsRun): boolean {
  for (const [k, v] of Object.entries(s.entities)) {
    if (k === 'sub' && v !== run.subject) return false;
    if (k === 'ses' && v !== run.session) return false;
    if (k === 'task' && v !== run.task) return false;
    if (k === 'run' && (run.run === null || Number(v) !== run.run)) return false;
    if (!['sub', 'ses', 'task', 'run'].includes(k) && !run.key.split('_').includes(`${k}-${v}`)) return false;
  }
  return true;
}

function mergeSidecars(chain: string[], problems: BidsProblem[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of chain) {
    try {
      const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        problems.push({ file: path, reason: 'sidecar is not a JSON object', severity: 'error' });
        continue;
      }
      Object.assign(out, v);
    } catch (e) {
      problems.push({
        file: path,
        reason: `unreadable JSON sidecar: ${(e as Error).message}`,
        severity: 'error',
      });
    }
  }
  return out;
}

function readDescription(root: string, problems: BidsProblem[]): string | undefined {
  const path = join(root, 'dataset_description.json');
  if (!existsSync(path)) {
    problems.push({ file: path, reason: 'dataset_description.json missing', severity: 'warning' });
    return undefined;
  }
  try {
    const d = JSON.parse(readFileSync(path, 'utf8')) as { Name?: unknown };
    return typeof d.Name === 'string' ? d.Name : undefined;
  } catch (e) {
    problems.push({ file: path, reason: `unreadable JSON: ${(e as Error).message}`, severity: 'warning' });
    return undefined;
  }
}

function compareRuns(a: BidsRun, b: BidsRun): number {
  return (
    cmp(a.subject, b.subject) ||
    cmp(a.session ?? '', b.session ?? '') ||
    cmp(a.task, b.task) ||
    (a.run ?? 0) - (b.run ?? 0) ||
    cmp(a.key, b.key)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function walk(dir: string, depth: number, visit: (path: string) => void): void {
  if (depth > MAX_DEPTH) return;
  for (const f of safeList(dir).sort()) {
    if (f.startsWith('.')) continue;
    const p = join(dir, f);
    if (isDir(p)) walk(p, depth + 1, visit);
    else visit(p);
  }
}
