/**
 * The 2AFC listening test: the original, then two reconstructions in random
 * order — the music generated from this clip's scan ("brain") against the one
 * generated from another clip's scan ("shuffled"), or two generators against
 * each other — and "which sounds closer?". Answers go to the server, which
 * appends them to listening/answers.jsonl.
 */
import { $, fillSelect, h, player } from './dom.js';
import type { RunView } from './types.js';

function rand(n: number): number {
  const u = new Uint32Array(1);
  crypto.getRandomValues(u);
  return (u[0] as number) % n;
}

interface Side {
  kind: string;
  audio: string;
  url: string;
}

/** Run-relative path of a `/run/...` URL (what the server stores). */
function rel(url: string): string {
  return url
    .replace(/^\/run\//, '')
    .split('/')
    .map(decodeURIComponent)
    .join('/');
}

export function initListening(run: RunView): void {
  const subSel = $('listening-subject') as HTMLSelectElement;
  const rater = $('rater') as HTMLInputElement;
  const trial = $('trial');
  const status = $('listening-status');
  const eligible = run.subjects.filter((s) => Object.keys(run.perSubject[s]?.generation ?? {}).length > 0);
  if (eligible.length === 0) {
    status.textContent = 'This stage has not run: generation (nothing to compare yet).';
    ($('listening-next') as HTMLButtonElement).disabled = true;
    return;
  }
  fillSelect(subSel, eligible);
  let answered = 0;

  const next = () => {
    const sub = subSel.value;
    const gens = run.perSubject[sub]?.generation ?? {};
    const names = Object.keys(gens);
    const clips = run.clips.filter((c) => c.audio && names.some((g) => gens[g]?.[c.id]?.audio));
    if (clips.length < 2) {
      status.textContent = 'Not enough generated clips for a trial.';
      return;
    }
    const clip = clips[rand(clips.length)]!;
    let pair: [Side, Side];
    if (names.length >= 2 && rand(2) === 0) {
      const [g1, g2] = [names[0]!, names[1]!];
      const a = gens[g1]?.[clip.id]?.audio;
      const b = gens[g2]?.[clip.id]?.audio;
      if (!a || !b) return next();
      pair = [
        { kind: g1, audio: rel(a), url: a },
        { kind: g2, audio: rel(b), url: b },
      ];
    } else {
      const g = names[0]!;
      const others = clips.filter((c) => c.id !== clip.id && gens[g]?.[c.id]?.audio);
      const other = others[rand(others.length)]!;
      const a = gens[g]?.[clip.id]?.audio as string;
      const b = gens[g]?.[other.id]?.audio as string;
      pair = [
        { kind: 'brain', audio: rel(a), url: a },
        { kind: 'shuffled', audio: rel(b), url: b },
      ];
    }
    if (rand(2) === 1) pair.reverse();
    const [A, B] = pair;
    const choose = async (choice: 'a' | 'b') => {
      const who = rater.value.trim();
      if (!who) {
        status.textContent = 'Type your name or id first.';
        rater.focus();
        return;
      }
      const res = await fetch('/api/listening', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          rater: who,
          subject: sub,
          clip: clip.id,
          a: { kind: A.kind, audio: A.audio },
          b: { kind: B.kind, audio: B.audio },
          choice,
        }),
      });
      if (res.ok) {
        answered++;
        status.textContent = `Recorded (${answered} this session).`;
        status.dataset.recorded = String(answered);
        next();
      } else {
        const e = (await res.json().catch(() => ({}))) as { error?: string };
        status.textContent = `Not recorded: ${e.error ?? res.status}`;
      }
    };
    trial.replaceChildren(
      h(
        'div',
        { class: 'row' },
        h('figure', {}, h('figcaption', {}, `Original (${clip.id})`), player(clip.audio, null, 'original')),
      ),
      h(
        'div',
        { class: 'row' },
        h('figure', {}, h('figcaption', {}, 'A'), player(A.url, null, 'A')),
        h('figure', {}, h('figcaption', {}, 'B'), player(B.url, null, 'B')),
      ),
      (() => {
        const a = h('button', { id: 'choose-a' }, 'A is closer');
        const b = h('button', { id: 'choose-b' }, 'B is closer');
        a.addEventListener('click', () => void choose('a'));
        b.addEventListener('click', () => void choose('b'));
        return h('div', {}, a, b);
      })(),
    );
  };
  $('listening-next').addEventListener('click', next);
  subSel.addEventListener('change', next);
  next();
}
