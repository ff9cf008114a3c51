/**
 * The JSON the studio's web app reads at start: test clips, and per subject the
 * ranks, retrieved tracks, generated samples, spectrogram pictures and encoding
 * maps, all as URLs the server will answer (only files that exist are listed).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { anatomyPath } from '../anatomy.js';
import { relUrl } from '../html.js';
import type { RunData } from '../run-data.js';

export interface ClipView {
  id: string;
  genre: string;
  caption?: string;
  attributes?: Record<string, unknown>;
  audio: string | null;
  spectrogram: string | null;
}

export interface SubjectView {
  ranks: Record<string, Record<string, number>>;
  retrieval: Record<
    string,
    Record<
      string,
      { track: string; genre?: string; score?: number; audio: string | null; spectrogram: string | null }
    >
  >;
  generation: Record<
    string,
    Record<
      string,
      {
        audio: string | null;
        spectrogram: string | null;
        prompt?: string;
        attributes?: Record<string, unknown>;
      }
    >
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
  listening: boolean;
}

export function runView(run: RunData): RunView {
  const file = (rel: string) => (existsSync(join(run.root, rel)) ? `/run/${relUrl(rel)}` : null);
  const spec = (audioRel: string) =>
    file(`report/spectrograms/${audioRel.replace(/^audio\//, '').replace(/\.mp3$/, '.png')}`);
  const inRun = (abs: string) => {
    const r = relative(run.root, abs);
    return r && !r.startsWith('..') && !isAbsolute(r) ? r.split(sep).join('/') : null;
  };
  const perSubject: Record<string, SubjectView> = {};
  for (const sub of run.subjects) {
    const retrieval: SubjectView['retrieval'] = {};
    for (const [dec, f] of Object.entries(run.retrieval[sub] ?? {})) {
      retrieval[dec] = {};
      for (const c of f.clips) {
        const t = c.brain[0];
        if (!t) continue;
        const rel = `audio/library/${t.track}.mp3`;
        retrieval[dec][c.clip] = {
          track: t.track,
          genre: t.genre,
          score: t.score,
          audio: file(rel),
          spectrogram: spec(rel),
        };
      }
    }
    const generation: SubjectView['generation'] = {};
    for (const [gen, f] of Object.entries(run.generation[sub] ?? {})) {
      generation[gen] = {};
      for (const c of f.clips) {
        generation[gen][c.clip] = {
          audio: file(c.kept.audio),
          spectrogram: spec(c.kept.audio),
          prompt: c.prompt,
          attributes: c.attributes,
        };
      }
    }
    const e = run.encoding[sub];
    let encoding: SubjectView['encoding'] = null;
    if (e) {
      const mapUrl = (f: string | undefined) => {
        if (!f) return null;
        const r = inRun(isAbsolute(f) ? f : join(e.dir, f));
        return r ? file(r) : null;
      };
      const maps: Record<string, string> = {};
      for (const s of e.spaces) {
        const u = mapUrl(e.maps[s]?.r);
        if (u) maps[s] = u;
      }
      encoding = {
        spaces: e.spaces,
        anatomy: anatomyPath(e) ? `/api/anatomy/${encodeURIComponent(sub)}/anatomy.nii.gz` : null,
        maps,
        preferred: mapUrl(e.preferred?.dseg),
        preferredLabels: mapUrl(e.preferred?.labels),
      };
    }
    perSubject[sub] = { ranks: run.ranks[sub] ?? {}, retrieval, generation, encoding };
  }
  return {
    name: run.root.split(/[\\/]/).pop() ?? '',
    subjects: run.subjects,
    clips: run.testClips.map((c) => ({
      id: c.id,
      genre: c.genre,
      caption: c.caption,
      attributes: c.attributes,
      audio: file(`audio/stimuli/${c.id}.mp3`),
      spectrogram: spec(`audio/stimuli/${c.id}.mp3`),
    })),
    perSubject,
    listening: true,
  };
}
