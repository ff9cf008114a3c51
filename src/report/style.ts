/** The report's inline stylesheet and its one small script (the subject selector). */

export const REPORT_CSS = `
:root { font-family: system-ui, sans-serif; color: #222; background: #fff; }
body { margin: 0; }
header { padding: 12px 24px; background: #f4f4f6; border-bottom: 1px solid #ddd; position: sticky; top: 0; z-index: 2; }
header h1 { font-size: 20px; margin: 0 0 4px; }
nav a { margin-right: 12px; font-size: 13px; color: #2a5db0; text-decoration: none; }
main { padding: 8px 24px 48px; max-width: 1400px; }
section { border-bottom: 1px solid #eee; padding: 12px 0 20px; }
h2 { font-size: 18px; margin: 8px 0; }
h3 { font-size: 15px; margin: 10px 0 6px; }
.note { color: #555; font-size: 13px; }
.not-run { background: #fff6e0; border: 1px solid #e8c872; padding: 8px 12px; border-radius: 4px; }
.two { display: flex; gap: 24px; flex-wrap: wrap; align-items: flex-start; }
.two > div { flex: 1 1 480px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
table.clips td { min-width: 180px; }
table.clips td:first-child { max-width: 280px; }
.caption { font-size: 12px; color: #444; margin: 4px 0; }
.attrs { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; font-size: 11px; margin: 4px 0; }
.attrs dt { color: #777; }
.attrs dd { margin: 0; }
.rank { display: inline-block; font-size: 11px; background: #eef; border-radius: 3px; padding: 0 4px; margin: 2px 2px 0 0; }
figure { margin: 4px 0; }
figure.player audio { width: 240px; display: block; }
img.spec { display: block; width: 240px; height: 96px; margin-top: 2px; }
figure.slices img { display: block; max-width: 100%; height: auto; image-rendering: pixelated; background: #000; }
figcaption { font-size: 12px; color: #444; margin-bottom: 4px; }
.swatches { font-size: 12px; margin: 4px 0; }
.swatch { margin-right: 12px; }
.swatch i { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin-right: 4px; }
.missing { color: #a00; font-size: 12px; }
pre { background: #f7f7f7; padding: 8px; overflow: auto; max-height: 420px; font-size: 12px; }
select { margin: 6px 0 10px 4px; }
`;

/** Shows one subject's panel per section: the select next to the panels chooses which. */
export const REPORT_SCRIPT = `
for (const sel of document.querySelectorAll('select.subject-select')) {
  const sec = sel.closest('section');
  const show = () => {
    for (const p of sec.querySelectorAll('.subject-panel')) p.hidden = p.dataset.subject !== sel.value;
  };
  sel.addEventListener('change', show);
  show();
}
`;
