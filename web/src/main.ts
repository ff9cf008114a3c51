/** The studio's web app: three tabs over one run folder, all data from this server. */
import { initBrain } from './brain.js';
import { initClips } from './clips.js';
import { $ } from './dom.js';
import { initListening } from './listening.js';
import type { RunView } from './types.js';

function tabs(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('nav button[data-tab]')) {
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll<HTMLButtonElement>('nav button[data-tab]'))
        o.classList.toggle('active', o === b);
      for (const s of document.querySelectorAll<HTMLElement>('section.tab'))
        s.hidden = s.id !== `tab-${b.dataset.tab}`;
    });
  }
}

async function start(): Promise<void> {
  tabs();
  const run = (await (await fetch('/api/run')).json()) as RunView;
  $('run-name').textContent = run.name;
  initClips(run);
  initListening(run);
  await initBrain(run);
}

start().catch((e: unknown) => {
  $('brain-status').textContent = `The studio could not start: ${(e as Error).message}`;
  console.error(e);
});
