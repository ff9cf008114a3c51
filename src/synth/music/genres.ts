/**
 * What each of the ten GTZAN genres tends to sound like, as distributions the
 * composer draws from: tempo, meter, swing, modes, progressions, and per role a
 * pool of instruments (GM programs) and playing styles. Pools overlap on purpose
 * (rock/metal share distorted guitars and rock beats, disco/pop share four-on-the-
 * floor and synths, blues/jazz share swing, 7th chords and walking bass) so that no
 * single instrument or pattern identifies a genre, as in real music.
 */

import { GTZAN_GENRES } from '../../io/bids/genres.js';
import type { Role } from './score.js';
import type { ModeName } from './theory.js';

/** The GTZAN genres, from the one list (src/io/bids/genres.ts). */
export const GENRES = GTZAN_GENRES;
export type Genre = (typeof GENRES)[number];

export function isGenre(s: string): s is Genre {
  return (GENRES as readonly string[]).includes(s);
}

/** `[value, weight]` pairs. */
export type Weighted<T> = ReadonlyArray<readonly [T, number]>;

export interface RoleStyle {
  /** Probability that the role plays at all in a track. */
  presence: number;
  programs: Weighted<number>;
  /** Part-writer names (see PART_WRITERS / DRUM_PATTERNS). */
  styles: Weighted<string>;
}

export interface GenreStyle {
  tempo: [number, number];
  /** Beats per bar. */
  meters: Weighted<3 | 4>;
  /** Eighth-note swing range (0 straight … 1/6 triplet), and its probability. */
  swing: { chance: number; amount: [number, number]; unit: 0.5 | 0.25 };
  modes: Weighted<ModeName>;
  /** Preferred tonics (pitch classes); empty = any. */
  tonics: readonly number[];
  /** Progressions for major-third and minor-third modes. */
  progressions: { major: readonly string[]; minor: readonly string[] };
  roles: Readonly<Record<Role, RoleStyle>>;
  /** Melody density range and blues-scale probability. */
  melody: { density: [number, number]; blues: number };
  reverb: [number, number];
  /** Valence prior (0 sad … 1 happy) before mode and tempo adjust it. */
  valence: number;
  /** Human timing error, seconds (SD). */
  jitter: number;
}

const BLUES_12 = 'I7 IV7 I7*2 IV7*2 I7*2 V7 IV7 I7 V7';
const BLUES_QUICK = 'I7 IV7 I7*2 IV7*2 I7*2 V7 IV7 I7*2';
const MINOR_BLUES = 'i7 iv7 i7*2 iv7*2 i7*2 bVI7 V7 i7*2';

export const GENRE_STYLES: Readonly<Record<Genre, GenreStyle>> = {
  blues: {
    tempo: [62, 130],
    meters: [[4, 1]],
    swing: { chance: 0.75, amount: [0.1, 0.16], unit: 0.5 },
    modes: [
      ['mixolydian', 5],
      ['minor', 2],
      ['dorian', 2],
    ],
    tonics: [4, 9, 7, 2, 0, 10],
    progressions: {
      major: [BLUES_12, BLUES_QUICK, 'I7*2 IV7*2 I7 V7 I7*2'],
      minor: [MINOR_BLUES, 'i7*2 iv7*2 i7 V7 i7*2'],
    },
    roles: {
      drums: {
        presence: 0.9,
        programs: [
          [0, 2],
          [8, 2],
          [32, 1],
          [40, 1],
        ],
        styles: [
          ['bluesShuffle', 4],
          ['slowBlues', 2],
          ['rock', 1],
          ['jazzSwing', 1],
        ],
      },
      bass: {
        presence: 0.95,
        programs: [
          [33, 3],
          [32, 2],
          [34, 1],
        ],
        styles: [
          ['boogie', 3],
          ['walking', 2],
          ['rootEighths', 1],
          ['rootFifth', 1],
        ],
      },
      harmony: {
        presence: 0.95,
        programs: [
          [0, 2],
          [16, 2],
          [27, 2],
          [29, 1],
          [4, 1],
          [26, 1],
        ],
        styles: [
          ['comp', 2],
          ['pump', 1],
          ['block', 1],
          ['strum', 1],
        ],
      },
      pad: {
        presence: 0.2,
        programs: [
          [16, 2],
          [61, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.95,
        programs: [
          [27, 2],
          [29, 2],
          [22, 2],
          [66, 1],
          [65, 1],
          [26, 1],
          [56, 1],
        ],
        styles: [
          ['melody', 2],
          ['sparse', 1],
        ],
      },
      counter: {
        presence: 0.3,
        programs: [
          [61, 1],
          [16, 1],
          [0, 1],
        ],
        styles: [
          ['stabs', 1],
          ['longTones', 1],
        ],
      },
    },
    melody: { density: [0.35, 0.65], blues: 0.85 },
    reverb: [0.12, 0.3],
    valence: 0.35,
    jitter: 0.012,
  },
  classical: {
    tempo: [54, 150],
    meters: [
      [4, 3],
      [3, 2],
    ],
    swing: { chance: 0, amount: [0, 0], unit: 0.5 },
    modes: [
      ['major', 3],
      ['minor', 2],
      ['harmonicMinor', 1],
    ],
    tonics: [],
    progressions: {
      major: ['I IV V I', 'I vi ii V', 'I V vi iii IV I IV V', 'I ii V7 I', 'I IV ii V7'],
      minor: ['i iv V i', 'i VI iv V', 'i iv VII III VI ii° V i', 'i ii°/2 V7/2 i'],
    },
    roles: {
      drums: { presence: 0, programs: [[48, 1]], styles: [['ballad', 1]] },
      bass: {
        presence: 0.85,
        programs: [
          [42, 2],
          [43, 2],
          [70, 1],
        ],
        styles: [
          ['roots', 2],
          ['arpeggio', 2],
        ],
      },
      harmony: {
        presence: 0.95,
        programs: [
          [48, 3],
          [0, 3],
          [49, 1],
          [46, 1],
          [6, 1],
          [45, 1],
        ],
        styles: [
          ['arpeggio', 3],
          ['block', 2],
        ],
      },
      pad: {
        presence: 0.3,
        programs: [
          [48, 2],
          [49, 1],
          [19, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.9,
        programs: [
          [40, 3],
          [73, 2],
          [68, 2],
          [71, 2],
          [0, 2],
          [60, 1],
          [42, 1],
        ],
        styles: [['melody', 3]],
      },
      counter: {
        presence: 0.5,
        programs: [
          [41, 1],
          [42, 1],
          [70, 1],
          [60, 1],
          [71, 1],
        ],
        styles: [
          ['melody', 2],
          ['longTones', 1],
        ],
      },
    },
    melody: { density: [0.35, 0.85], blues: 0 },
    reverb: [0.3, 0.5],
    valence: 0.55,
    jitter: 0.01,
  },
  country: {
    tempo: [84, 172],
    meters: [
      [4, 4],
      [3, 1],
    ],
    swing: { chance: 0.25, amount: [0.05, 0.12], unit: 0.5 },
    modes: [
      ['major', 6],
      ['mixolydian', 1],
      ['minor', 1],
    ],
    tonics: [7, 2, 9, 4, 0],
    progressions: {
      major: ['I IV V I', 'I*2 IV V', 'I IV I V', 'I V vi IV', 'I I IV IV V V I I'],
      minor: ['i bVII i bVII', 'i iv bVII i', 'vi IV I V'],
    },
    roles: {
      drums: {
        presence: 0.9,
        programs: [
          [0, 2],
          [8, 1],
          [40, 2],
        ],
        styles: [
          ['countryTrain', 2],
          ['countryTwoStep', 3],
          ['rock', 1],
          ['waltz', 1],
        ],
      },
      bass: {
        presence: 0.95,
        programs: [
          [33, 2],
          [32, 2],
          [34, 1],
        ],
        styles: [
          ['rootFifth', 5],
          ['rootEighths', 1],
        ],
      },
      harmony: {
        presence: 0.95,
        programs: [
          [25, 5],
          [24, 1],
          [0, 1],
          [27, 1],
        ],
        styles: [
          ['strum', 5],
          ['pump', 1],
        ],
      },
      pad: {
        presence: 0.15,
        programs: [
          [48, 1],
          [16, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.9,
        programs: [
          [110, 3],
          [105, 2],
          [27, 2],
          [22, 1],
          [25, 1],
          [53, 1],
        ],
        styles: [['melody', 3]],
      },
      counter: {
        presence: 0.35,
        programs: [
          [110, 1],
          [0, 1],
          [105, 1],
        ],
        styles: [
          ['melody', 1],
          ['longTones', 1],
        ],
      },
    },
    melody: { density: [0.35, 0.7], blues: 0.2 },
    reverb: [0.1, 0.25],
    valence: 0.65,
    jitter: 0.01,
  },
  disco: {
    tempo: [108, 132],
    meters: [[4, 1]],
    swing: { chance: 0.1, amount: [0.03, 0.06], unit: 0.25 },
    modes: [
      ['minor', 3],
      ['dorian', 2],
      ['major', 2],
    ],
    tonics: [],
    progressions: {
      major: ['Imaj7 ii7', 'I vi ii V', 'IVmaj7 iii7 ii7 Imaj7', 'I V vi IV'],
      minor: ['i7 iv7', 'i7*2 iv7*2', 'i7 bVII bVI bVII', 'ii7 V7'],
    },
    roles: {
      drums: {
        presence: 1,
        programs: [
          [0, 3],
          [24, 1],
          [8, 1],
        ],
        styles: [
          ['fourFloor', 4],
          ['discoSixteenth', 3],
          ['popBeat', 1],
        ],
      },
      bass: {
        presence: 1,
        programs: [
          [33, 3],
          [36, 2],
          [38, 2],
          [34, 1],
        ],
        styles: [
          ['octaves', 4],
          ['funk16', 3],
        ],
      },
      harmony: {
        presence: 1,
        programs: [
          [28, 3],
          [27, 2],
          [4, 2],
          [0, 1],
          [50, 1],
        ],
        styles: [
          ['stabs', 3],
          ['pump', 2],
          ['block', 1],
        ],
      },
      pad: {
        presence: 0.6,
        programs: [
          [48, 3],
          [50, 2],
          [89, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.8,
        programs: [
          [48, 1],
          [53, 2],
          [81, 1],
          [61, 1],
          [73, 1],
          [65, 1],
        ],
        styles: [
          ['melody', 2],
          ['sparse', 1],
        ],
      },
      counter: {
        presence: 0.55,
        programs: [
          [61, 3],
          [62, 1],
          [48, 1],
        ],
        styles: [
          ['stabs', 2],
          ['longTones', 1],
        ],
      },
    },
    melody: { density: [0.35, 0.6], blues: 0.05 },
    reverb: [0.12, 0.25],
    valence: 0.75,
    jitter: 0.004,
  },
  hiphop: {
    tempo: [72, 100],
    meters: [[4, 1]],
    swing: { chance: 0.7, amount: [0.04, 0.12], unit: 0.25 },
    modes: [
      ['minor', 4],
      ['dorian', 2],
      ['phrygian', 1],
      ['major', 1],
    ],
    tonics: [],
    progressions: {
      major: ['Imaj7 vi7', 'IVmaj7 iii7', 'I*2 vi*2'],
      minor: ['i7*2', 'i7 iv7', 'i7 bVImaj7', 'i*2 bVI*2', 'i9 iv9'],
    },
    roles: {
      drums: {
        presence: 1,
        programs: [
          [25, 3],
          [0, 2],
          [24, 1],
          [8, 1],
        ],
        styles: [
          ['boomBap', 3],
          ['boomBapGhost', 2],
          ['trap', 2],
          ['halftime', 1],
        ],
      },
      bass: {
        presence: 0.95,
        programs: [
          [38, 3],
          [39, 2],
          [33, 2],
          [35, 1],
        ],
        styles: [
          ['sparse', 4],
          ['funk16', 1],
        ],
      },
      harmony: {
        presence: 0.9,
        programs: [
          [4, 3],
          [0, 2],
          [11, 2],
          [48, 1],
          [5, 1],
          [27, 1],
        ],
        styles: [
          ['block', 3],
          ['comp', 1],
          ['arpeggio', 1],
        ],
      },
      pad: {
        presence: 0.4,
        programs: [
          [89, 2],
          [88, 1],
          [49, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.75,
        programs: [
          [54, 2],
          [53, 2],
          [73, 1],
          [80, 1],
          [11, 1],
          [4, 1],
        ],
        styles: [
          ['sparse', 3],
          ['melody', 1],
        ],
      },
      counter: {
        presence: 0.3,
        programs: [
          [48, 1],
          [61, 1],
          [54, 1],
        ],
        styles: [
          ['stabs', 1],
          ['longTones', 1],
        ],
      },
    },
    melody: { density: [0.25, 0.5], blues: 0.2 },
    reverb: [0.05, 0.18],
    valence: 0.4,
    jitter: 0.006,
  },
  jazz: {
    tempo: [70, 220],
    meters: [
      [4, 5],
      [3, 1],
    ],
    swing: { chance: 0.8, amount: [0.1, 0.16], unit: 0.5 },
    modes: [
      ['major', 4],
      ['dorian', 2],
      ['minor', 1],
    ],
    tonics: [5, 10, 3, 0, 7, 8],
    progressions: {
      major: [
        'ii7 V7 Imaj7*2',
        'Imaj7 vi7 ii7 V7',
        'iii7 VI7 ii7 V7',
        'Imaj7 IV7 iii7 VI7 ii7 V7 Imaj7*2',
        BLUES_12,
      ],
      minor: ['ii°7 V7 i7*2', 'i7*2 iv7 V7', 'i7 IV7 i7 IV7', 'i7 bVI7 ii°7 V7'],
    },
    roles: {
      drums: {
        presence: 0.9,
        programs: [
          [32, 4],
          [40, 3],
          [0, 1],
        ],
        styles: [
          ['jazzSwing', 5],
          ['bossa', 1],
          ['ballad', 1],
        ],
      },
      bass: {
        presence: 1,
        programs: [
          [32, 5],
          [35, 1],
          [33, 1],
        ],
        styles: [
          ['walking', 5],
          ['roots', 1],
        ],
      },
      harmony: {
        presence: 0.95,
        programs: [
          [0, 4],
          [26, 2],
          [4, 2],
          [11, 1],
        ],
        styles: [
          ['comp', 5],
          ['block', 1],
        ],
      },
      pad: { presence: 0.1, programs: [[49, 1]], styles: [['hold', 1]] },
      lead: {
        presence: 0.95,
        programs: [
          [66, 3],
          [65, 2],
          [56, 2],
          [11, 1],
          [26, 1],
          [73, 1],
          [57, 1],
          [71, 1],
        ],
        styles: [['melody', 3]],
      },
      counter: {
        presence: 0.3,
        programs: [
          [57, 1],
          [65, 1],
          [56, 1],
        ],
        styles: [
          ['longTones', 1],
          ['melody', 1],
        ],
      },
    },
    melody: { density: [0.45, 0.85], blues: 0.3 },
    reverb: [0.15, 0.35],
    valence: 0.55,
    jitter: 0.012,
  },
  metal: {
    tempo: [90, 200],
    meters: [
      [4, 6],
      [3, 1],
    ],
    swing: { chance: 0, amount: [0, 0], unit: 0.5 },
    modes: [
      ['minor', 3],
      ['phrygian', 2],
      ['harmonicMinor', 2],
      ['dorian', 1],
    ],
    tonics: [4, 2, 1, 9, 7],
    progressions: {
      major: ['I5 bVII5 IV5 I5', 'I5 bIII5 IV5 bVII5'],
      minor: [
        'i5 bVI5 bVII5 i5',
        'i5 bII5 i5 bVII5',
        'i5*2 bVI5 V5',
        'i5 iv5 bVI5 V5',
        'i5 bIII5 bVII5 bVI5',
      ],
    },
    roles: {
      drums: {
        presence: 1,
        programs: [
          [16, 3],
          [0, 2],
          [8, 1],
        ],
        styles: [
          ['metalDouble', 3],
          ['metalGallop', 3],
          ['metalBlast', 1],
          ['rockDrive', 2],
          ['halftime', 1],
        ],
      },
      bass: {
        presence: 0.95,
        programs: [
          [34, 3],
          [33, 2],
        ],
        styles: [['rootEighths', 5]],
      },
      harmony: {
        presence: 1,
        programs: [
          [30, 6],
          [29, 3],
        ],
        styles: [['power', 1]],
      },
      pad: {
        presence: 0.2,
        programs: [
          [48, 1],
          [52, 1],
          [19, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.85,
        programs: [
          [30, 4],
          [29, 3],
          [81, 1],
        ],
        styles: [['melody', 3]],
      },
      counter: {
        presence: 0.3,
        programs: [
          [30, 1],
          [48, 1],
        ],
        styles: [
          ['longTones', 1],
          ['melody', 1],
        ],
      },
    },
    melody: { density: [0.55, 0.95], blues: 0.25 },
    reverb: [0.08, 0.22],
    valence: 0.2,
    jitter: 0.005,
  },
  pop: {
    tempo: [76, 132],
    meters: [[4, 1]],
    swing: { chance: 0.1, amount: [0.03, 0.08], unit: 0.25 },
    modes: [
      ['major', 6],
      ['minor', 2],
    ],
    tonics: [],
    progressions: {
      major: ['I V vi IV', 'vi IV I V', 'I vi IV V', 'IV I V vi', 'I IV vi V', 'I iii IV V'],
      minor: ['i bVI bIII bVII', 'i iv bVI bVII', 'vi IV I V'],
    },
    roles: {
      drums: {
        presence: 0.95,
        programs: [
          [0, 3],
          [24, 2],
          [8, 1],
          [25, 1],
        ],
        styles: [
          ['popBeat', 3],
          ['popClap', 2],
          ['fourFloor', 2],
          ['halftime', 1],
          ['ballad', 1],
        ],
      },
      bass: {
        presence: 0.95,
        programs: [
          [33, 3],
          [38, 2],
          [34, 1],
          [39, 1],
        ],
        styles: [
          ['rootEighths', 3],
          ['octaves', 1],
          ['roots', 1],
          ['sparse', 1],
        ],
      },
      harmony: {
        presence: 1,
        programs: [
          [0, 3],
          [90, 2],
          [25, 2],
          [4, 1],
          [27, 1],
          [50, 1],
        ],
        styles: [
          ['pump', 3],
          ['block', 2],
          ['strum', 2],
          ['arpeggio', 1],
        ],
      },
      pad: {
        presence: 0.55,
        programs: [
          [89, 2],
          [48, 2],
          [90, 1],
          [88, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.95,
        programs: [
          [53, 3],
          [54, 2],
          [80, 2],
          [81, 1],
          [73, 1],
          [0, 1],
          [27, 1],
        ],
        styles: [['melody', 3]],
      },
      counter: {
        presence: 0.35,
        programs: [
          [48, 1],
          [90, 1],
          [61, 1],
        ],
        styles: [
          ['longTones', 1],
          ['stabs', 1],
        ],
      },
    },
    melody: { density: [0.35, 0.6], blues: 0.05 },
    reverb: [0.12, 0.3],
    valence: 0.7,
    jitter: 0.004,
  },
  reggae: {
    tempo: [64, 96],
    meters: [[4, 1]],
    swing: { chance: 0.6, amount: [0.04, 0.1], unit: 0.25 },
    modes: [
      ['major', 3],
      ['minor', 3],
      ['dorian', 1],
    ],
    tonics: [],
    progressions: {
      major: ['I IV', 'I IV V IV', 'I V IV I', 'I*2 IV*2'],
      minor: ['i iv', 'i bVII', 'i7 iv7', 'i bVII bVI bVII'],
    },
    roles: {
      drums: {
        presence: 1,
        programs: [
          [0, 3],
          [8, 2],
          [25, 1],
        ],
        styles: [
          ['oneDrop', 4],
          ['rockers', 2],
          ['steppers', 1],
        ],
      },
      bass: {
        presence: 1,
        programs: [
          [33, 3],
          [35, 2],
          [38, 1],
        ],
        styles: [
          ['reggae', 5],
          ['sparse', 1],
        ],
      },
      harmony: {
        presence: 1,
        programs: [
          [17, 3],
          [28, 2],
          [27, 2],
          [4, 1],
          [0, 1],
        ],
        styles: [['skank', 5]],
      },
      pad: {
        presence: 0.3,
        programs: [
          [16, 2],
          [89, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.8,
        programs: [
          [21, 2],
          [53, 2],
          [56, 1],
          [65, 1],
          [27, 1],
          [114, 1],
        ],
        styles: [
          ['melody', 2],
          ['sparse', 2],
        ],
      },
      counter: {
        presence: 0.4,
        programs: [
          [56, 1],
          [57, 1],
          [61, 1],
        ],
        styles: [
          ['stabs', 1],
          ['longTones', 1],
        ],
      },
    },
    melody: { density: [0.3, 0.55], blues: 0.1 },
    reverb: [0.15, 0.32],
    valence: 0.65,
    jitter: 0.008,
  },
  rock: {
    tempo: [88, 168],
    meters: [
      [4, 12],
      [3, 1],
    ],
    swing: { chance: 0.1, amount: [0.05, 0.12], unit: 0.5 },
    modes: [
      ['major', 4],
      ['mixolydian', 2],
      ['minor', 3],
      ['dorian', 1],
    ],
    tonics: [4, 9, 7, 2, 0],
    progressions: {
      major: ['I IV V IV', 'I bVII IV I', 'I V vi IV', 'I IV I V', 'I5 bIII5 IV5 I5', BLUES_QUICK],
      minor: ['i bVII bVI bVII', 'i bIII bVII iv', 'vi IV I V', 'i5 bVI5 bVII5 i5'],
    },
    roles: {
      drums: {
        presence: 1,
        programs: [
          [0, 3],
          [16, 2],
          [8, 2],
        ],
        styles: [
          ['rock', 4],
          ['rockDrive', 2],
          ['rockRide', 2],
          ['halftime', 1],
          ['popBeat', 1],
        ],
      },
      bass: {
        presence: 1,
        programs: [
          [34, 3],
          [33, 3],
        ],
        styles: [
          ['rootEighths', 4],
          ['roots', 1],
          ['boogie', 1],
        ],
      },
      harmony: {
        presence: 1,
        programs: [
          [29, 4],
          [30, 2],
          [27, 2],
          [25, 1],
          [18, 1],
        ],
        styles: [
          ['power', 3],
          ['strum', 2],
          ['block', 1],
        ],
      },
      pad: {
        presence: 0.25,
        programs: [
          [18, 2],
          [16, 1],
          [48, 1],
        ],
        styles: [['hold', 1]],
      },
      lead: {
        presence: 0.85,
        programs: [
          [29, 3],
          [30, 2],
          [27, 2],
          [18, 1],
          [53, 1],
          [22, 1],
        ],
        styles: [['melody', 3]],
      },
      counter: {
        presence: 0.35,
        programs: [
          [18, 1],
          [27, 1],
          [0, 1],
        ],
        styles: [
          ['longTones', 1],
          ['melody', 1],
        ],
      },
    },
    melody: { density: [0.4, 0.75], blues: 0.4 },
    reverb: [0.1, 0.25],
    valence: 0.5,
    jitter: 0.007,
  },
};
