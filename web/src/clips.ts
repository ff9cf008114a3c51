/** The clip browser: filter test clips by subject, genre and text; players, spectrograms and ranks side by side. */
import { $, fillSelect, h, player } from './dom.js';
import type { RunView } from './types.js';

export function initClips(run: RunView): void {
  const subSel = $('clips-subject') as HTMLSelectElement;
  const genreSel = $('clips-genre') as HTMLSelectElement;
  const search = $('clips-search') as HTMLInputElement;
  const body = $('clips-table').querySelector('tbody') as HTMLTableSectionElement;
  const count = $('clips-count');
  fillSelect(subSel, run.subjects);
  fillSelect(genreSel, [...new Set(run.clips.map((c) => c.genre))].sort(), true);

  const render = () => {
    const sub = run.perSubject[subSel.value];
    const g = genreSel.value;
    const text = search.value.trim().toLowerCase();
    const clips = run.clips.filter(
      (c) =>
        (!g || c.genre === g) &&
        (!text || c.id.toLowerCase().includes(text) || (c.caption ?? '').toLowerCase().includes(text)),
    );
    const dec = sub ? Object.keys(sub.retrieval)[0] : undefined;
    const gen = sub ? Object.keys(sub.generation)[0] : undefined;
    body.replaceChildren(
      ...clips.map((c) => {
        const ranks = sub
          ? Object.entries(sub.ranks).map(([d, r]) =>
              r[c.id] === undefined ? null : h('span', { class: 'rank' }, `${d}: rank ${r[c.id]}`),
            )
          : [];
        const ret = dec ? sub?.retrieval[dec]?.[c.id] : undefined;
        const gn = gen ? sub?.generation[gen]?.[c.id] : undefined;
        return h(
          'tr',
          { 'data-clip': c.id },
          h(
            'td',
            {},
            h('b', {}, c.id),
            h('br'),
            c.genre,
            h('br'),
            ...ranks,
            h('p', { class: 'caption' }, c.caption ?? ''),
          ),
          h('td', {}, player(c.audio, c.spectrogram, 'original')),
          h(
            'td',
            {},
            ret
              ? player(ret.audio, ret.spectrogram, 'retrieved')
              : h('span', { class: 'status' }, dec ? '–' : 'retrieval has not run'),
            ret ? h('small', {}, `${ret.track} (${ret.genre ?? '?'})`) : null,
          ),
          h(
            'td',
            {},
            gn
              ? player(gn.audio, gn.spectrogram, 'generated')
              : h('span', { class: 'status' }, gen ? '–' : 'generation has not run'),
            gn?.prompt ? h('small', {}, gn.prompt) : null,
          ),
        );
      }),
    );
    count.textContent = `${clips.length} of ${run.clips.length} test clips`;
  };
  for (const el of [subSel, genreSel]) el.addEventListener('change', render);
  search.addEventListener('input', render);
  render();
}
