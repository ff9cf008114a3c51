/** The shapes `/api/run` and `/api/voxel` answer with (mirrors src/report/studio/api.ts and voxel.ts). */
export interface ClipView {
  id: string;
  genre: string;
  caption?: string;
  attributes?: Record<string, unknown>;
  audio: string | null;
  spectrogram: string | null;
}

export interface Media {
  audio: string | null;
  spectrogram: string | null;
}

export interface SubjectView {
  ranks: Record<string, Record<string, number>>;
  retrieval: Record<string, Record<string, Media & { track: string; genre?: string; score?: number }>>;
  generation: Record<
    string,
    Record<string, Media & { prompt?: string; attributes?: Record<string, unknown> }>
  >;
  encoding: null | {
    spaces: string[];
    anatomy: string | null;
    maps: Record<string, string>;
    preferred: string | null;
    preferredLabels: string | null;
  };
}

export interface RunView {
  name: string;
  subjects: string[];
  clips: ClipView[];
  perSubject: Record<string, SubjectView>;
}

export interface VoxelInfo {
  subject: string;
  mm: [number, number, number];
  voxel: [number, number, number] | null;
  roi: string | null;
  /** Whether the run names an atlas (a null roi is then "outside the atlas"). */
  atlas: boolean;
  r: Record<string, number | null>;
  noiseCeiling: number | null;
  preferred: string | null;
  timecourse: { space: string; measured: number[]; predicted: number[] } | null;
}
