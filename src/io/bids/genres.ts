/**
 * The ten GTZAN genres: the labels of ds003720's `genre` column and of every clip id
 * (`genre.000XX`). Defined once, at the bottom of the dependency order, so the
 * events checks, the synthetic twin and the text embedders share one list.
 */
export const GTZAN_GENRES = [
  'blues',
  'classical',
  'country',
  'disco',
  'hiphop',
  'jazz',
  'metal',
  'pop',
  'reggae',
  'rock',
] as const;

export type GtzanGenre = (typeof GTZAN_GENRES)[number];
