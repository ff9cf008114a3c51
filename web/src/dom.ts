/** Tiny DOM helpers: every text goes in through textContent, never innerHTML. */
export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c);
  return el;
}

export function fillSelect(sel: HTMLSelectElement, values: string[], keep = false): void {
  if (!keep) sel.replaceChildren();
  for (const v of values) sel.append(h('option', { value: v }, v));
}

export function fmt(v: number | null | undefined, d = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d);
}

export function player(url: string | null, spectrogram: string | null, label: string): HTMLElement {
  if (!url) return h('span', { class: 'status' }, `${label}: –`);
  const a = h('audio', { controls: '', preload: 'none', src: url });
  const fig = h('figure', {}, a);
  if (spectrogram)
    fig.append(h('img', { src: spectrogram, alt: `spectrogram of ${label}`, loading: 'lazy' }));
  return fig;
}
