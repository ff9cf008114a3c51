/**
 * Published test-set numbers (mean ± SD over 5 subjects) the report prints next
 * to a run's own, labelled as other data and other embeddings: they come from
 * the real ds003720 fMRI with MuLan/w2v-BERT/CLAP embeddings, not from this run.
 */
export interface PublishedRow {
  system: string;
  embedding: string;
  identification: [number, number] | null;
  embeddingR: [number, number] | null;
}

export const PUBLISHED: readonly PublishedRow[] = [
  {
    system: 'Brain2Music 2023',
    embedding: 'MuLan music',
    identification: [0.876, 0.015],
    embeddingR: [0.307, 0.016],
  },
  {
    system: 'Brain2Music 2023',
    embedding: 'w2v-BERT-avg',
    identification: [0.837, 0.005],
    embeddingR: [0.113, 0.003],
  },
  {
    system: 'Brain2Music 2023',
    embedding: 'MuLan text',
    identification: [0.817, 0.014],
    embeddingR: [0.181, 0.012],
  },
  {
    system: 'Brain2Music 2023',
    embedding: 'SoundStream-avg',
    identification: [0.674, 0.016],
    embeddingR: [0.184, 0.02],
  },
  {
    system: 'Ciferri et al. 2025',
    embedding: 'CLAP, functional alignment',
    identification: [0.914, 0.019],
    embeddingR: null,
  },
  {
    system: 'Ciferri et al. 2025',
    embedding: 'CLAP, anatomical alignment',
    identification: [0.796, 0.017],
    embeddingR: null,
  },
  {
    system: 'Ciferri et al. 2025',
    embedding: 'generated audio (MusicLDM, best of 100)',
    identification: [0.823, 0.029],
    embeddingR: null,
  },
];

/** Follow-up work's 60-way retrieval figures (METHOD.md §4). */
export const PUBLISHED_RETRIEVAL = { top1: 0.24, top1Chance: 1 / 60, genre: 0.59, genreChance: 0.1 };
