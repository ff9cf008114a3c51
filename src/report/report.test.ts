/** writeReport on fixture runs: every section, every link resolvable, no URL, and "has not run" for missing parts. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readNpy } from '../io/npy.js';
import { UserError } from '../util/errors.js';
import { writeReport } from './report.js';
import { tempRun } from './testing.js';

/** Slow, obvious reference: Pearson r of two equal-length arrays. */
function r(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = Array.from(a).reduce((s, v) => s + v, 0) / n;
  const mb = Array.from(b).reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('writeReport', () => {
  let full: Awaited<ReturnType<typeof tempRun>>;
  let html = '';
  before(async () => {
    full = await tempRun('report');
    const res = await writeReport(full.run);
    assert.equal(res.path, join(full.run, 'report.html'));
    assert.ok(res.bytes > 10_000 && res.assetBytes > 0 && res.seconds > 0);
    html = readFileSync(res.path, 'utf8');
  });
  after(() => full?.cleanup());

  it('has every section and no "has not run" box when every stage ran', () => {
    for (const id of [
      'summary',
      'identification',
      'genres',
      'decoders',
      'ranks',
      'library',
      'reconstruction',
      'clips',
      'encoding',
      'listening',
      'config',
    ]) {
      assert.match(html, new RegExp(`<section id="${id}">`), id);
    }
    assert.doesNotMatch(html, /class="not-run"/);
    assert.match(html, /Published \(other data, other embedding\)/);
    assert.match(html, /0\.876 ± 0\.015/);
  });

  it('charts reconstruction per metric with brain, oracle, random and chance, leaving BPM to the table', () => {
    const chart =
      /<div class="chart" data-chart="reconstruction-[^"]+">([\s\S]*?)<\/div>\s*(<p class="note">[^<]*<\/p>)/.exec(
        html,
      );
    assert.ok(chart, 'a reconstruction chart followed by its note');
    const svg = chart[1] as string;
    for (const kind of ['brain', 'oracle', 'random', 'chance'])
      assert.match(svg, new RegExp(`>${kind}<`), kind);
    assert.match(svg, />identification</);
    assert.match(svg, />genre_top2</);
    assert.doesNotMatch(svg, /oracle\.identification|random\.genre_top2|tempo_error_bpm/);
    assert.match(chart[2] as string, /tempo_error_bpm/);
  });

  it('contains no URL at all, and every relative link resolves inside the run folder', () => {
    assert.doesNotMatch(html, /https?:|\/\/[a-z]/i);
    const links = [...html.matchAll(/\s(?:src|href)="([^"#][^"]*)"/g)].map((m) => m[1]!);
    assert.ok(links.length > 40, `only ${links.length} links`);
    for (const l of links) {
      assert.ok(!l.startsWith('/') && !l.includes('..'), l);
      assert.ok(existsSync(join(full.run, decodeURIComponent(l))), `missing ${l}`);
    }
    // Original, retrieved and generated audio for every test clip of every subject.
    const audio = [...html.matchAll(/<audio [^>]*src="([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(audio.length, full.testClips.length * 3 * full.subjects.length);
    for (const c of full.testClips) assert.ok(audio.includes(`audio/stimuli/${c}.mp3`));
  });

  it('draws every chart as inline SVG with marks', () => {
    const charts = [...html.matchAll(/<div class="chart" data-chart="([^"]+)">/g)].map((m) => m[1]);
    for (const c of [
      'identification',
      'heatmap',
      'decoders-identification',
      'decoders-embeddingR',
      'ranks',
      'hierarchy',
    ]) {
      assert.ok(charts.includes(c), `chart ${c} missing (have ${charts.join(', ')})`);
    }
    assert.ok((html.match(/<svg/g) ?? []).length >= charts.length);
  });

  it('prints the summary numbers of metrics.json and the per-genre accuracy implied by the predictions', async () => {
    const m = JSON.parse(readFileSync(join(full.run, 'metrics.json'), 'utf8'));
    const s = m.decoding['whole-cortex'].summary.identification;
    assert.ok(html.includes(`${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`));
    // Per-genre heatmap value from the npy files themselves (one clip per genre, both subjects pooled).
    const dir = (sub: string) => join(full.run, 'predictions', sub, 'roi-ensemble');
    let acc = 0;
    for (const sub of full.subjects) {
      const P = await readNpy(join(dir(sub), 'pred_test.npy'));
      const T = await readNpy(join(dir(sub), 'true_test.npy'));
      const n = P.shape[0]!;
      const L = P.data.length / n;
      const row = (A: typeof P, i: number) => (A.data as Float32Array).subarray(i * L, (i + 1) * L);
      const i = 0; // blues.00000, the first test clip
      const cii = r(row(P, i), row(T, i));
      let k = 0;
      for (let j = 0; j < n; j++) if (j !== i && cii > r(row(P, i), row(T, j))) k++;
      acc += k / (n - 1) / full.subjects.length;
    }
    const cell = new RegExp(`aria-label="text"[\\s\\S]*?>${acc.toFixed(2)}<`);
    assert.match(html, cell);
  });

  it('writes brain slices and spectrograms as PNG', () => {
    const pngs = [...html.matchAll(/src="(report\/[^"]+\.png)"/g)].map((m) => m[1]!);
    assert.ok(pngs.some((p) => p.startsWith('report/encoding/')));
    assert.ok(pngs.some((p) => p.startsWith('report/spectrograms/stimuli/')));
    for (const p of pngs.slice(0, 5)) {
      const b = readFileSync(join(full.run, p));
      assert.deepEqual([...b.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    }
  });

  it('summarises listening answers with a binomial test', () => {
    assert.match(html, /brain vs shuffled/);
    assert.match(html, /p \(binomial\)/);
  });
});

describe('writeReport on partial runs', () => {
  let part: Awaited<ReturnType<typeof tempRun>>;
  before(async () => {
    part = await tempRun('report-partial', {
      parts: { retrieval: false, generation: false, encoding: false, listening: false },
    });
  });
  after(() => part?.cleanup());

  it('says which stages have not run instead of failing', async () => {
    const res = await writeReport(part.run);
    const html = readFileSync(res.path, 'utf8');
    for (const what of ['retrieval', 'generation', 'encoding', 'listening test']) {
      assert.match(html, new RegExp(`This stage has not run: ${what}`), what);
    }
    assert.match(html, /retrieval has not run/);
    assert.match(html, /data-chart="identification"/);
  });

  it('refuses a missing folder, a non-run folder and a malformed metrics.json with UserErrors', async () => {
    await assert.rejects(
      writeReport(join(part.dir, 'nope')),
      (e: unknown) => e instanceof UserError && /does not exist/.test(e.message),
    );
    await assert.rejects(
      writeReport(part.dir),
      (e: unknown) => e instanceof UserError && /not a b2m run folder/.test(e.message),
    );
    const m = join(part.run, 'metrics.json');
    const good = readFileSync(m, 'utf8');
    writeFileSync(m, good.replace('"chance": 0.5', '"chance": "half"'));
    await assert.rejects(
      writeReport(part.run),
      (e: unknown) =>
        e instanceof UserError &&
        /metrics\.json does not match its schema/.test(e.message) &&
        e.location.field !== undefined,
    );
    writeFileSync(m, '{');
    await assert.rejects(
      writeReport(part.run),
      (e: unknown) => e instanceof UserError && /not valid JSON/.test(e.message),
    );
    writeFileSync(m, good);
  });

  it('leaves spectrograms out on request', async () => {
    const html = readFileSync((await writeReport(part.run, { spectrograms: false })).path, 'utf8');
    assert.doesNotMatch(html, /class="spec"/);
    assert.match(html, /<audio /);
  });

  it('works with no metrics at all (evaluation has not run)', async () => {
    const m = join(part.run, 'metrics.json');
    const good = readFileSync(m, 'utf8');
    const { rmSync } = await import('node:fs');
    rmSync(m);
    const html = readFileSync((await writeReport(part.run)).path, 'utf8');
    assert.match(html, /This stage has not run: evaluation/);
    writeFileSync(m, good);
  });
});

describe('anatomy for MNI-space maps', () => {
  it('falls back to the Colin27 template (B2M_MNI_TEMPLATE / mricron-data) when encoding.json names none', async () => {
    const { anatomyPath } = await import('./anatomy.js');
    const { mkdtempSync, rmSync, writeFileSync: write } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'b2m-mni-'));
    try {
      const tpl = join(dir, 'colin.nii.gz');
      write(tpl, 'x');
      const old = process.env.B2M_MNI_TEMPLATE;
      process.env.B2M_MNI_TEMPLATE = tpl;
      try {
        assert.equal(anatomyPath({ dir, space: 'MNI152NLin2009cAsym' }), tpl);
        assert.equal(anatomyPath({ dir, space: 'T1w' }), undefined);
        assert.equal(anatomyPath({ dir, space: 'MNI152NLin2009cAsym', anatomy: 'colin.nii.gz' }), tpl);
      } finally {
        if (old === undefined) delete process.env.B2M_MNI_TEMPLATE;
        else process.env.B2M_MNI_TEMPLATE = old;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
