/**
 * The synthetic twin's music: a procedural composer for the ten GTZAN genres, a
 * renderer over General MIDI soundfonts, ground-truth attributes and captions, and
 * the library builder the twin's dataset writer calls.
 */
export {
  ATTRIBUTE_VECTOR_NAMES,
  attributeVector,
  caption,
  describe,
  type Mood,
  type TrackAttributes,
} from './attributes.js';
export {
  type BuildMusicOptions,
  type BuiltMusic,
  buildMusic,
  libraryTrackIds,
  type MusicTrack,
  parseTrackId,
  type TrackRole,
  trackId,
} from './build.js';
export {
  type ComposeOptions,
  type Composition,
  type Conditioning,
  compose,
  composeTrack,
  type PartInfo,
} from './compose.js';
export { GENRE_STYLES, GENRES, type Genre, isGenre } from './genres.js';
export { INSTRUMENT_FAMILIES, type InstrumentFamily } from './instruments.js';
export type { AudioFormat } from './job.js';
export { scoreToMidi } from './midi.js';
export {
  applyLoudnessRule,
  PEAK_CEILING,
  type RenderOptions,
  type RenderResult,
  renderScore,
} from './render.js';
export type { Note, Part, Role, Score } from './score.js';
export { checkSoundfont, DEFAULT_SOUNDFONT, loadSoundfont, SOUNDFONTS, soundfontPath } from './soundfonts.js';
