/** Every `b2m` command, in the order `b2m --help` lists them. */
import type { Command } from 'commander';
import { registerDataset } from './dataset.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerEmbed } from './embed.js';
import { registerEncode } from './encode.js';
import { registerFeatures } from './features.js';
import { registerNifti } from './nifti.js';
import { registerReport } from './report.js';
import { registerRidge } from './ridge.js';
import { registerRun } from './run.js';
import { registerStimuli } from './stimuli.js';
import { registerStudio } from './studio.js';
import { registerSynth } from './synth.js';
import { registerWorker } from './worker.js';

export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerDemo,
  registerRun,
  registerWorker,
  registerReport,
  registerStudio,
  registerSynth,
  registerDataset,
  registerNifti,
  registerStimuli,
  registerFeatures,
  registerEmbed,
  registerRidge,
  registerEncode,
  registerDoctor,
];
