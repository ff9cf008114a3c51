import { type BidsDataset, type DiscoverOptions, discoverBids } from '../io/bids/discover.js';
import { type EventsTable, parseEventsTsv, parseNumberCell } from '../io/bids/tsv.js';
import { UserError } from '../util/errors.js';

export type Split = 'train' | 'test';

/** One stimulus clip. */
export interface Clip {
  /** `genre.000XX`, e.g. `blues.00014`. */
  id: string;
  genre: string;
  /** GTZAN track number (the XX of `genre.000XX.wav`). */
  track: number;
  /** Excerpt start and end in seconds within the track: the audio played is `[start, end)`. */
  start: number;
  end: number;
  split: Split;
}

/** One presentation of a clip in a run. */
export interface DesignEvent {
  clipId: string;
  /** Seconds from the start of the run's first scan. */
  onset: number;
  /** Seconds. */
  duration: number;
  /** `onset / TR`: the scan in which the event starts (fractional when not aligned to a scan). */
  onsetScan: number;
  /** 0-based presentation number of this clip within its split (test: 0..3 on ds003720; train: 0). */
  repetition: number;
  /** Line of the row in the events file (of the first subject). */
  line: number;
}

/** The schedule of one run, identical for all subjects. */
export interface RunSchedule {
  /** `task-Training_run-01` (the run's BIDS entities without the subject). */
  key: string;
  task: string;
  run: number | null;
  split: Split;
  /** Kept events in onset order. */
  events: DesignEvent[];
  /** Events dropped as repeats (the first event of the run). */
  dropped: DesignEvent[];
  /** Scans the events need: ceil(end of the last event / TR). */
  nScansNeeded: number;
  /** The events file of the first subject, for messages. */
  eventsFile: string;
}

/** Where a test clip was presented: the run (index into `Design.runs`) and the event (index into `events`). */
export interface Presentation {
  run: number;
  event: number;
}

export interface GenreCount {
  genre: string;
  train: number;
  test: number;
}

export interface Design {
  /** Repetition time in seconds (the same for every run). */
  tr: number;
  /** Subjects sharing this design (labels without `sub-`). */
  subjects: string[];
  /** Every clip once: training clips in order of presentation, then test clips in order of first presentation. */
  clips: Clip[];
  /** Training runs by run number, then test runs by run number. */
  runs: RunSchedule[];
  /** Presentations of every clip, in time order (test clips have several). */
  presentations: Record<string, Presentation[]>;
  counts: {
    trainClips: number;
    testClips: number;
    /** Presentations per test clip (the same for all, or the smallest when they differ). */
    testRepetitions: number;
    perGenre: GenreCount[];
  };
  /** True when every subject's events gave exactly this design. */
  identicalAcrossSubjects: boolean;
  /** Things worth knowing that did not stop the build (quote repairs, unchecked repeats…). */
  notes: string[];
}

export interface DesignOptions {
  /** Task name → split. Default: names containing "train" → train, "test" → test (case-insensitive); others ignored. */
  splitOf?: (task: string) => Split | null;
  /** Drop the first event of each run: always (default; checked to be a repeat), only when it repeats a clip, or never. */
  dropFirst?: 'always' | 'repeat' | 'never';
}

export const DESIGN_DEFAULTS: Required<DesignOptions> = {
  splitOf: (task) => (/train/i.test(task) ? 'train' : /test/i.test(task) ? 'test' : null),
  dropFirst: 'always',
};

/** `genre.000XX` for a GTZAN-style clip. */
export function clipId(genre: string, track: number): string {
  return `${genre}.${String(track).padStart(5, '0')}`;
}

/** The events of one run of one subject, as input to `buildDesign`. */
export interface RunEventsInput {
  subject: string;
  task: string;
  run: number | null;
  table: EventsTable;
  tr: number;
  /** Volumes in the run's image, when known: fewer than the events need is an error. */
  nScans?: number;
  /** The image `nScans` came from, for messages. */
  image?: string;
}

interface ParsedEvent {
  clip: Omit<Clip, 'split'>;
  onset: number;
  duration: number;
  line: number;
}

const MUSIC_COLUMNS = ['genre', 'track', 'start', 'end'] as const;

/** Reads the music columns of an events table (genre, track, start, end). */
export function musicEvents(table: EventsTable): ParsedEvent[] {
  const missing = MUSIC_COLUMNS.filter((c) => !table.columns.includes(c));
  if (missing.length) {
    throw new UserError(
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`,
      {
        file: table.path,
        line: 1,
        field: missing[0],
        hint: `music events files need the columns onset, duration, ${MUSIC_COLUMNS.join(', ')}`,
      },
    );
  }
  const col = (name: string) => table.columns.indexOf(name) + 1;
  return table.rows.map((r) => {
    const at = (name: string) => ({ path: table.path, line: r.line, column: col(name), name });
    const genre = r.values.genre!;
    if (!/^[A-Za-z0-9_-]+$/.test(genre)) {
      throw new UserError(`genre "${genre}" is empty or has characters a file name cannot carry`, {
        file: table.path,
        line: r.line,
        column: col('genre'),
        field: 'genre',
        hint: 'write the genre as a single word, e.g. blues',
      });
    }
    const track = parseNumberCell(r.values.track!, at('track'));
    if (!Number.isInteger(track) || track < 0) {
      throw new UserError(`track ${r.values.track} is not a non-negative integer`, {
        file: table.path,
        line: r.line,
        column: col('track'),
        field: 'track',
        hint: 'track is the number XX of the GTZAN file genre.000XX.wav',
      });
    }
    const start = parseNumberCell(r.values.start!, at('start'));
    const end = parseNumberCell(r.values.end!, at('end'));
    if (!(end > start) || start < 0) {
      throw new UserError(`excerpt [${start}, ${end}) is empty or negative`, {
        file: table.path,
        line: r.line,
        column: col('end'),
        field: 'end',
        hint: 'start and end are seconds within the track, with end > start ≥ 0',
      });
    }
    if (!(r.duration > 0)) {
      throw new UserError(`duration ${r.values.duration} is not a positive number of seconds`, {
        file: table.path,
        line: r.line,
        column: table.columns.indexOf('duration') + 1,
        field: 'duration',
        hint: 'every stimulus event needs its duration in seconds',
      });
    }
    if (r.onset < 0) {
      throw new UserError(`onset ${r.onset} is negative`, {
        file: table.path,
        line: r.line,
        column: table.columns.indexOf('onset') + 1,
        field: 'onset',
        hint: 'onsets are seconds from the first scan of the run',
      });
    }
    return {
      clip: { id: clipId(genre, track), genre, track, start, end },
      onset: r.onset,
      duration: r.duration,
      line: r.line,
    };
  });
}

/** The subject-independent part of a run key: `task-Training_run-01`. */
export function scheduleKey(task: string, run: number | null): string {
  return run === null ? `task-${task}` : `task-${task}_run-${String(run).padStart(2, '0')}`;
}

/**
 * Builds the design from every run of every subject. Throws a UserError naming the
 * file (and line) when the events are inconsistent, a run is shorter than its
 * events, or subjects differ.
 */
export function buildDesign(inputs: readonly RunEventsInput[], opts: DesignOptions = {}): Design {
  const o = { ...DESIGN_DEFAULTS, ...opts };
  if (inputs.length === 0) {
    throw new UserError('no runs with events to build a design from', {
      hint: 'the dataset needs sub-*/func/*_events.tsv files next to the BOLD runs',
    });
  }
  const notes: string[] = [];
  const bySubject = new Map<string, RunEventsInput[]>();
  for (const r of inputs) {
    if (o.splitOf(r.task) === null) continue;
    const list = bySubject.get(r.subject) ?? [];
    list.push(r);
    bySubject.set(r.subject, list);
  }
  const ignoredTasks = [...new Set(inputs.filter((r) => o.splitOf(r.task) === null).map((r) => r.task))];
  if (ignoredTasks.length) notes.push(`tasks without a split, ignored: ${ignoredTasks.join(', ')}`);
  if (bySubject.size === 0) {
    throw new UserError(
      `no task is a training or test task (tasks: ${[...new Set(inputs.map((r) => r.task))].join(', ')})`,
      {
        hint: 'name tasks with "train" or "test" in them, or pass a splitOf option',
      },
    );
  }
  const subjects = [...bySubject.keys()].sort();
  const designs = subjects.map((s) => buildOne(bySubject.get(s)!, o, s === subjects[0] ? notes : []));
  const ref = designs[0]!;
  for (let i = 1; i < designs.length; i++)
    compareDesigns(ref, designs[i]!, subjects[0]!, subjects[i]!, bySubject.get(subjects[i]!)!);
  return { ...ref, subjects, identicalAcrossSubjects: true, notes };
}

type OneDesign = Omit<Design, 'subjects' | 'identicalAcrossSubjects' | 'notes'>;

/**
 * One subject's design, in named steps: order the runs and check their TR, turn each
 * run's events into a schedule (dropping the repeated first event, registering its
 * clips), number the presentations, and count.
 */
function buildOne(runs: RunEventsInput[], o: Required<DesignOptions>, notes: string[]): OneDesign {
  const sorted = orderRuns(runs, o);
  const tr = commonTr(sorted, notes);
  const parsed = sorted.map((r) => musicEvents(r.table).sort((a, b) => a.onset - b.onset));
  const clips = new Map<string, RegisteredClip>();
  const schedules = sorted.map((r, i) => {
    const split = o.splitOf(r.task)!;
    const events = parsed[i]!;
    if (events.length === 0) {
      throw new UserError('events file has no events', {
        file: r.table.path,
        hint: 'each run needs its stimulus events',
      });
    }
    const repeatSource =
      split === 'train'
        ? previousTrainingRun(sorted, parsed, i, o)?.at(-1)
        : events.length > 1
          ? events.at(-1)
          : undefined;
    const drop = firstEventsToDrop(r, split, events, repeatSource, o.dropFirst, notes);
    const kept = events.slice(drop);
    for (const e of kept) registerClip(clips, e, split, r.table.path);
    const nScansNeeded = scansNeeded(r, events, tr);
    const toEvent = (e: ParsedEvent): DesignEvent => ({
      clipId: e.clip.id,
      onset: e.onset,
      duration: e.duration,
      onsetScan: e.onset / tr,
      repetition: 0,
      line: e.line,
    });
    return {
      key: scheduleKey(r.task, r.run),
      task: r.task,
      run: r.run,
      split,
      events: kept.map(toEvent),
      dropped: events.slice(0, drop).map(toEvent),
      nScansNeeded,
      eventsFile: r.table.path,
    } satisfies RunSchedule;
  });
  const presentations = numberPresentations(schedules);
  const allClips = [...clips.values()].map(({ line: _l, file: _f, ...clip }) => clip);
  const trainClips = allClips.filter((c) => c.split === 'train');
  const testClips = allClips.filter((c) => c.split === 'test');
  return {
    tr,
    clips: [...trainClips, ...testClips],
    runs: schedules,
    presentations,
    counts: designCounts(trainClips, testClips, presentations, notes),
  };
}

/** Training runs first, then test runs; by task, then run number. */
function orderRuns(runs: readonly RunEventsInput[], o: Required<DesignOptions>): RunEventsInput[] {
  return [...runs].sort(
    (a, b) =>
      splitRank(o.splitOf(a.task)!) - splitRank(o.splitOf(b.task)!) ||
      cmp(a.task, b.task) ||
      (a.run ?? 0) - (b.run ?? 0),
  );
}

/** The one TR of all runs (refusing unknown or differing ones); notes the quote repairs of each events file. */
function commonTr(sorted: readonly RunEventsInput[], notes: string[]): number {
  const tr = sorted[0]!.tr;
  for (const r of sorted) {
    if (!(r.tr > 0)) {
      throw new UserError(`repetition time of ${scheduleKey(r.task, r.run)} is unknown`, {
        file: r.table.path,
        hint: "set RepetitionTime (seconds) in the run's _bold.json sidecar",
      });
    }
    if (Math.abs(r.tr - tr) > 1e-6) {
      throw new UserError(`runs have different repetition times (${tr} s and ${r.tr} s)`, {
        file: r.table.path,
        hint: 'all runs of a design must share one TR; check RepetitionTime in the sidecars',
      });
    }
    for (const q of r.table.repairs) {
      notes.push(
        `${r.table.path}:${q.line}:${q.column}: unbalanced quote in ${q.columnName} ${q.raw.trim()} read as ${q.value}`,
      );
    }
  }
  return tr;
}

/** Training runs repeat the previous training run's last clip (the first run, the last run's, cyclically). */
function previousTrainingRun(
  sorted: readonly RunEventsInput[],
  parsed: readonly ParsedEvent[][],
  i: number,
  o: Required<DesignOptions>,
): ParsedEvent[] | undefined {
  const trainIdx = sorted.map((r, k) => (o.splitOf(r.task) === 'train' ? k : -1)).filter((k) => k >= 0);
  const pos = trainIdx.indexOf(i);
  return parsed[trainIdx[(pos - 1 + trainIdx.length) % trainIdx.length]!];
}

/**
 * How many leading events to drop (0 or 1): the first event repeats `repeatSource`
 * (the previous training run's last clip, or a test run's own last clip). With
 * `always`, a first event that is no repeat is dropped anyway, with a note.
 */
function firstEventsToDrop(
  r: RunEventsInput,
  split: Split,
  events: readonly ParsedEvent[],
  repeatSource: ParsedEvent | undefined,
  dropFirst: Required<DesignOptions>['dropFirst'],
  notes: string[],
): number {
  const first = events[0]!;
  const isRepeat =
    repeatSource !== undefined && repeatSource !== first && repeatSource.clip.id === first.clip.id;
  if (dropFirst === 'always') {
    if (!isRepeat) {
      notes.push(
        `${r.table.path}:${first.line}: first event ${first.clip.id} dropped although it does not repeat ${split === 'train' ? "the previous run's last clip" : "the run's last clip"}`,
      );
    }
    return 1;
  }
  return dropFirst === 'repeat' && isRepeat ? 1 : 0;
}

type RegisteredClip = Clip & { line: number; file: string };

/**
 * Adds a kept event's clip to `clips` (first appearance order), refusing a clip that
 * is in both splits or names two different excerpts.
 */
function registerClip(clips: Map<string, RegisteredClip>, e: ParsedEvent, split: Split, file: string): void {
  const prev = clips.get(e.clip.id);
  if (!prev) {
    clips.set(e.clip.id, { ...e.clip, split, line: e.line, file });
  } else if (prev.split !== split) {
    throw new UserError(
      `clip ${e.clip.id} is in both the training and the test set (first at ${prev.file}:${prev.line})`,
      {
        file,
        line: e.line,
        hint: 'training and test clips must be disjoint; check the task names and events files',
      },
    );
  } else if (Math.abs(prev.start - e.clip.start) > 1e-6 || Math.abs(prev.end - e.clip.end) > 1e-6) {
    throw new UserError(
      `clip ${e.clip.id} is played as [${e.clip.start}, ${e.clip.end}) here but as [${prev.start}, ${prev.end}) at ${prev.file}:${prev.line}`,
      {
        file,
        line: e.line,
        hint: 'one clip id must always name the same excerpt of the track',
      },
    );
  }
}

/** Scans the run's events need (all of them, dropped included); refuses a run image shorter than that. */
function scansNeeded(r: RunEventsInput, events: readonly ParsedEvent[], tr: number): number {
  const end = Math.max(...events.map((e) => e.onset + e.duration));
  const n = Math.ceil(end / tr - 1e-9);
  if (r.nScans !== undefined && r.nScans < n) {
    throw new UserError(
      `run has ${r.nScans} scans but its events need ${n} (the last event ends at ${end} s, TR ${tr} s)`,
      {
        file: r.image ?? r.table.path,
        hint: `check that ${r.table.path} belongs to this image, or that the image is complete`,
      },
    );
  }
  return n;
}

/** Presentations of each clip in time order (runs are in order); sets each event's repetition number. */
function numberPresentations(schedules: readonly RunSchedule[]): Record<string, Presentation[]> {
  const presentations: Record<string, Presentation[]> = {};
  schedules.forEach((s, ri) => {
    s.events.forEach((e, ei) => {
      const list = (presentations[e.clipId] ??= []);
      e.repetition = list.length;
      list.push({ run: ri, event: ei });
    });
  });
  return presentations;
}

/** Clip counts per split and genre, and notes on repeated training clips and uneven test repetitions. */
function designCounts(
  trainClips: readonly Clip[],
  testClips: readonly Clip[],
  presentations: Record<string, Presentation[]>,
  notes: string[],
): Design['counts'] {
  const repeatedTrain = trainClips.filter((c) => presentations[c.id]!.length > 1);
  if (repeatedTrain.length)
    notes.push(
      `${repeatedTrain.length} training clips are presented more than once (e.g. ${repeatedTrain[0]!.id})`,
    );
  const reps = testClips.map((c) => presentations[c.id]!.length);
  const minRep = reps.length ? Math.min(...reps) : 0;
  if (reps.length && Math.max(...reps) !== minRep) {
    notes.push(`test clips have different numbers of presentations (${minRep} to ${Math.max(...reps)})`);
  }
  const genres = [...new Set([...trainClips, ...testClips].map((c) => c.genre))].sort();
  const perGenre = genres.map((g) => ({
    genre: g,
    train: trainClips.filter((c) => c.genre === g).length,
    test: testClips.filter((c) => c.genre === g).length,
  }));
  return { trainClips: trainClips.length, testClips: testClips.length, testRepetitions: minRep, perGenre };
}

function compareDesigns(a: OneDesign, b: OneDesign, sa: string, sb: string, bRuns: RunEventsInput[]): void {
  const fail = (what: string, file: string | undefined, line?: number) => {
    throw new UserError(`sub-${sb} does not share sub-${sa}'s design: ${what}`, {
      file,
      line,
      hint: 'this toolkit models one stimulus order for all subjects; select subjects that share it (--subject)',
    });
  };
  if (Math.abs(a.tr - b.tr) > 1e-6) fail(`TR ${b.tr} s instead of ${a.tr} s`, bRuns[0]?.table.path);
  const bKeys = new Map(b.runs.map((r) => [r.key, r]));
  for (const ra of a.runs) {
    const rb = bKeys.get(ra.key);
    if (!rb) fail(`run ${ra.key} is missing`, undefined);
    else {
      if (rb.events.length !== ra.events.length)
        fail(`${ra.key} has ${rb.events.length} kept events instead of ${ra.events.length}`, rb.eventsFile);
      ra.events.forEach((ea, k) => {
        const eb = rb.events[k]!;
        if (
          ea.clipId !== eb.clipId ||
          Math.abs(ea.onset - eb.onset) > 1e-6 ||
          Math.abs(ea.duration - eb.duration) > 1e-6
        ) {
          fail(
            `${ra.key} event ${k + 1}: ${eb.clipId} at ${eb.onset} s where sub-${sa} has ${ea.clipId} at ${ea.onset} s`,
            rb.eventsFile,
            eb.line,
          );
        }
      });
    }
  }
  for (const rb of b.runs)
    if (!a.runs.some((r) => r.key === rb.key)) fail(`extra run ${rb.key}`, rb.eventsFile);
  const ca = new Map(a.clips.map((c) => [c.id, c]));
  for (const c of b.clips) {
    const r = ca.get(c.id);
    if (!r || Math.abs(r.start - c.start) > 1e-6 || Math.abs(r.end - c.end) > 1e-6)
      fail(`clip ${c.id} differs`, bRuns[0]?.table.path);
  }
}

function splitRank(s: Split): number {
  return s === 'train' ? 0 : 1;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface LoadDesignOptions extends DesignOptions, DiscoverOptions {
  /** Only these subjects (labels with or without `sub-`); default all. */
  subjects?: string[];
}

export interface LoadedDesign {
  design: Design;
  dataset: BidsDataset;
}

/** Inputs for `buildDesign` from a discovered dataset (runs without events or TR are skipped: they are in `problems`). */
export function designInputs(ds: BidsDataset, subjects?: string[]): RunEventsInput[] {
  const want = subjects?.map((s) => s.replace(/^sub-/, ''));
  if (want) {
    const unknown = want.filter((s) => !ds.subjects.some((x) => x.id === s));
    if (unknown.length) {
      throw new UserError(
        `unknown subject${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `sub-${s}`).join(', ')}`,
        {
          file: ds.root,
          field: 'subject',
          hint: `subjects in this dataset: ${ds.subjects.map((s) => `sub-${s.id}`).join(', ')}`,
        },
      );
    }
  }
  return ds.runs
    .filter((r) => r.events && r.tr !== undefined && (!want || want.includes(r.subject)))
    .map((r) => ({
      subject: r.subject,
      task: r.task,
      run: r.run,
      table: parseEventsTsv(r.events!, { required: [...MUSIC_COLUMNS] }),
      tr: r.tr!,
      nScans: r.nScans,
      image: r.nScansFrom,
    }));
}

/** Discovers a BIDS root and builds its design (see `buildDesign`). */
export async function loadDesign(root: string, opts: LoadDesignOptions = {}): Promise<LoadedDesign> {
  const dataset = await discoverBids(root, opts);
  const design = buildDesign(designInputs(dataset, opts.subjects), opts);
  return { design, dataset };
}

/** Clips of one split, in design order. */
export function clipsOf(design: Design, split: Split): Clip[] {
  return design.clips.filter((c) => c.split === split);
}
