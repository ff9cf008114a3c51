/**
 * `b2m ridge fit` and `b2m ridge predict`: the ridge engine for people who live in
 * numpy (.npy in, a folder of .npy out). Parsing and printing only; the work is in
 * src/ridge/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { looksLikeNpy } from '../../io/formats.js';
import { npyToNumbers, readNpy, readNpyHeader, readNpyMatrix, writeNpyMatrix } from '../../io/npy.js';
import type { CvSpec } from '../../ridge/cv.js';
import { checkRidgeFits, fitRidgeCV } from '../../ridge/fit.js';
import { loadRidgeModel, MODEL_FILES, MODEL_FORMAT, saveRidgeModel } from '../../ridge/model-io.js';
import { DEFAULT_ALPHAS, parseAlphas } from '../../ridge/options.js';
import type { ScoreName } from '../../ridge/scores.js';
import type { SolverName } from '../../ridge/solvers.js';
import { UserError } from '../../util/errors.js';
import { claimOutputDir, claimOutputFile } from '../../util/output-guard.js';
import { ConsoleProgress, silentProgress } from '../../util/progress.js';
import { bytesFlag, intFlag } from '../flags.js';

/** A folder `b2m ridge fit` wrote: model.json names our model format. */
function isRidgeModelDir(dir: string): boolean {
  const json = join(dir, MODEL_FILES.json);
  if (!existsSync(json)) return false;
  try {
    return (JSON.parse(readFileSync(json, 'utf8')) as { format?: unknown }).format === MODEL_FORMAT;
  } catch {
    return false;
  }
}

const MODEL_NAMES = new Set<string>(Object.values(MODEL_FILES));

/** Reads a float matrix and rejects NaN/Inf naming the file. */
async function readFiniteMatrix(path: string, what: string, vectorAsColumn = false) {
  const m = await readNpyMatrix(path, { what, vectorAsColumn });
  try {
    m.assertFinite(what);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message, { file: path, hint: e.hint });
    throw e;
  }
  return m;
}

interface FitFlags {
  x: string;
  y: string;
  out: string;
  alphas?: string;
  cv?: string;
  groups?: string;
  score: ScoreName;
  intercept: boolean;
  dtype: 'float32' | 'float64' | 'auto';
  solver: SolverName | 'auto';
  maxMemory?: string;
  verbose?: boolean;
  quiet?: boolean;
  force?: boolean;
}

async function fitCommand(flags: FitFlags): Promise<void> {
  const alphas = flags.alphas === undefined ? [...DEFAULT_ALPHAS] : parseAlphas(flags.alphas);
  if (flags.cv !== undefined && flags.groups !== undefined) {
    throw new UserError('give either --cv K or --groups G.npy, not both', { field: '--cv' });
  }
  const maxMemoryBytes =
    flags.maxMemory === undefined ? undefined : bytesFlag(flags.maxMemory, '--max-memory');
  const folds = flags.cv === undefined ? 5 : intFlag(flags.cv, '--cv', { min: 2 });
  await claimOutputDir(flags.out, {
    kind: 'ridge-model',
    what: 'a ridge model',
    inputs: { '--x': flags.x, '--y': flags.y, '--groups': flags.groups },
    force: flags.force,
    recognise: isRidgeModelDir,
    owns: (name) => MODEL_NAMES.has(name),
  });
  const say = (s: string) => process.stderr.write(`${s}\n`);
  // Shapes from the headers first: a fit that cannot fit in memory is refused before
  // gigabytes are read.
  const xh = await readNpyHeader(flags.x);
  const yh = await readNpyHeader(flags.y);
  const n = xh.shape[0] ?? 0;
  let cv: CvSpec = { kind: 'kfold', folds };
  if (flags.groups !== undefined) {
    const g = npyToNumbers(await readNpy(flags.groups), flags.groups, 'groups');
    if (g.length !== n) {
      throw new UserError(`--groups has ${g.length} labels but X has ${n} rows`, {
        file: flags.groups,
        hint: 'give one group (run) label per sample',
      });
    }
    cv = { kind: 'groups', groups: g };
  }
  const fitOpts = {
    alphas,
    cv,
    score: flags.score,
    fitIntercept: flags.intercept,
    dtype: flags.dtype,
    solver: flags.solver,
    maxMemoryBytes,
  };
  const floatDtype = (d: string) => (d === 'float64' ? 'float64' : 'float32') as 'float32' | 'float64';
  if (xh.shape.length === 2 && yh.shape.length <= 2 && yh.shape[0] === n && n >= 2) {
    checkRidgeFits(
      { n, p: xh.shape[1]!, t: yh.shape[1] ?? 1, xDtype: floatDtype(xh.dtype), yDtype: floatDtype(yh.dtype) },
      fitOpts,
    );
  }
  const X = await readFiniteMatrix(flags.x, 'X');
  // Documented: a 1-D Y is one target.
  const Y = await readFiniteMatrix(flags.y, 'Y', true);
  if (X.rows !== Y.rows) {
    throw new UserError(`X (${flags.x}) has ${X.rows} rows but Y (${flags.y}) has ${Y.rows}`, {
      hint: 'X and Y need one row per sample, in the same order',
    });
  }
  const warnings: string[] = [];
  const model = await fitRidgeCV(X, Y, {
    ...fitOpts,
    progress: flags.quiet ? silentProgress : new ConsoleProgress(),
    log: (line) => {
      if (line.startsWith('warning: ')) warnings.push(line);
      if (flags.verbose || line.startsWith('warning: ')) say(line);
    },
  });
  await saveRidgeModel(flags.out, model, {
    // Absolute, so the record means the same from wherever the model is read.
    inputs: { x: resolve(flags.x), y: resolve(flags.y), groups: flags.groups ? resolve(flags.groups) : null },
  });
  const info = model.info;
  const sorted = Array.from(model.alphas).sort((a, b) => a - b);
  const best = new Float64Array(model.nTargets);
  for (let j = 0; j < model.nTargets; j++) {
    const a = info.alphaGrid.indexOf(model.alphas[j]!);
    best[j] = model.cvScores.get(a, j);
  }
  const meanBest = best.reduce((s, v) => s + v, 0) / best.length;
  const w = info.work;
  const flops = w ? w.gemm.flops + w.syrk.flops + w.eigh.flops : 0;
  process.stdout.write(
    `${[
      `ridge fit: X ${info.nSamples} × ${info.nFeatures} → Y ${info.nTargets} targets, ${info.dtype}, ${info.cv}, ${info.alphaGrid.length} alphas`,
      `solver: ${info.solver} (${info.backend} backend), ${info.nBatches} target batch(es) of ≤ ${info.targetBatch}`,
      `chosen alpha: min ${fmt(sorted[0]!)}, median ${fmt(sorted[Math.floor(sorted.length / 2)]!)}, max ${fmt(sorted[sorted.length - 1]!)}`,
      `mean best CV ${info.score}: ${meanBest.toFixed(4)}`,
      `time: ${info.timings.total.toFixed(2)} s (setup ${(info.timings.setup ?? 0).toFixed(2)} s, CV ${info.timings.cv.toFixed(2)} s, refit ${info.timings.refit.toFixed(2)} s), ${(flops / 1e9).toFixed(1)} GFLOP`,
      `wrote ${flags.out}/{alphas,coef,intercept,cv_scores}.npy and model.json`,
    ].join('\n')}\n`,
  );
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

async function predictCommand(flags: {
  model: string;
  x: string;
  out: string;
  force?: boolean;
}): Promise<void> {
  await claimOutputFile(flags.out, {
    kind: 'a .npy array',
    recognise: looksLikeNpy,
    inputs: { '--model': flags.model, '--x': flags.x },
    force: flags.force,
  });
  const model = await loadRidgeModel(flags.model);
  const X = await readFiniteMatrix(flags.x, 'X');
  if (X.cols !== model.nFeatures) {
    throw new UserError(
      `X (${flags.x}) has ${X.cols} columns but the model has ${model.nFeatures} features`,
      {
        file: flags.x,
        hint: 'predict with the same features, in the same order, as the training X',
      },
    );
  }
  const P = await model.predict(X);
  await writeNpyMatrix(flags.out, P);
  process.stdout.write(`ridge predict: ${P.rows} × ${P.cols} (${P.dtype}) → ${flags.out}\n`);
}

/** Registers `b2m ridge`. */
export function registerRidge(program: Command): void {
  const ridge = program
    .command('ridge')
    .description('ridge regression with one alpha per target chosen by cross-validation (.npy in and out)')
    .addHelpText(
      'after',
      `
Examples:
  $ b2m ridge fit --x X.npy --y Y.npy --out model/
  $ b2m ridge predict --model model/ --x Xtest.npy --out pred.npy`,
    );

  ridge
    .command('fit')
    .description(
      'fit ridge on X (n_samples × n_features) and Y (n_samples × n_targets): one alpha per target by CV, then refit on all rows',
    )
    .requiredOption('--x <X.npy>', 'features, n_samples × n_features (float32/float64, C or Fortran order)')
    .requiredOption('--y <Y.npy>', 'targets, n_samples × n_targets (a 1-D array is one target)')
    .requiredOption('--out <DIR>', 'output folder (new or empty; written atomically)')
    .option('--force', 'replace an earlier model folder written by b2m ridge fit (never other files)')
    .option(
      '--alphas <list>',
      'alpha grid: 0.1,1,10 or logspace:START:STOP:NUM (powers of ten)',
      'logspace:-2:6:17',
    )
    .option('--cv <K>', 'K contiguous folds in sample order (default 5)')
    .option('--groups <G.npy>', 'leave-one-group-out CV with one label per sample (e.g. the run)')
    .addOption(
      new Option('--score <name>', 'CV score that picks alphas').choices(['r2', 'pearson']).default('r2'),
    )
    .option('--no-intercept', 'do not fit an intercept (X and Y are used as they are)')
    .addOption(
      new Option('--dtype <dtype>', 'working precision (auto: float64 for small float64 data, else float32)')
        .choices(['float32', 'float64', 'auto'])
        .default('auto'),
    )
    .addOption(
      new Option('--solver <name>', 'auto: primal if n_features < n_samples, else dual (kernel)')
        .choices(['auto', 'primal', 'dual', 'dual-folds'])
        .default('auto'),
    )
    .option(
      '--max-memory <size>',
      'memory budget, e.g. 8G (default: min(6G, 70% of RAM)); targets are batched to fit',
    )
    .option('-v, --verbose', 'print the solver, batching and memory plan')
    .option('-q, --quiet', 'no progress bar')
    .addHelpText(
      'after',
      `
Writes DIR/alphas.npy (n_targets), DIR/coef.npy (n_features × n_targets),
DIR/intercept.npy (n_targets), DIR/cv_scores.npy (n_alphas × n_targets, mean over
folds, rows in --alphas order) and DIR/model.json (settings, shapes, solver, timings).
Objective per target: ‖y − Xw − b‖² + α‖w‖² (as scikit-learn's Ridge); ties go to the
larger alpha. Constant columns of X are kept (zero weight) and reported.

Examples:
  $ b2m ridge fit --x X.npy --y Y.npy --out model/
  $ b2m ridge fit --x X.npy --y Y.npy --out model/ --alphas logspace:-2:6:17 --cv 5 -v
  $ b2m ridge fit --x X.npy --y Y.npy --out model/ --groups runs.npy --score pearson
  $ b2m ridge fit --x X.npy --y Y.npy --out model/ --alphas 0.1,1,10 --no-intercept --dtype float64`,
    )
    .action(fitCommand);

  ridge
    .command('predict')
    .description('predict with a fitted model: X (n_samples × n_features) → P (n_samples × n_targets)')
    .requiredOption('--model <DIR>', 'folder written by `b2m ridge fit`')
    .requiredOption('--x <X.npy>', 'features, n_samples × n_features')
    .requiredOption('--out <P.npy>', 'predictions, n_samples × n_targets (written atomically)')
    .option('--force', 'replace an existing .npy file at --out (never other files)')
    .addHelpText(
      'after',
      `
Examples:
  $ b2m ridge predict --model model/ --x Xtest.npy --out pred.npy
  >>> numpy.load("pred.npy").shape   # (n_samples, n_targets)`,
    )
    .action(predictCommand);
}
