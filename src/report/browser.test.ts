/**
 * The report and the studio in a real headless browser (Debian's chromium driven
 * by playwright-core). Skipped, with a message, when chromium is not installed;
 * CI installs it (.ci/run). WebGL runs on SwiftShader so niivue draws without a GPU.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { writeReport } from './report.js';
import { ensureWebBundle } from './studio/bundle.js';
import { type Studio, startStudio } from './studio/server.js';
import { tempRun } from './testing.js';

/** The DOM as seen inside `page.evaluate` callbacks (this file is type-checked without the DOM library). */
interface BrowserEl {
  duration: number;
  preload: string;
  hidden: boolean;
  complete: boolean;
  naturalWidth: number;
  dataset: Record<string, string | undefined>;
  load(): void;
  addEventListener(type: string, f: () => void, o?: { once: boolean }): void;
  getAttribute(name: string): string | null;
  querySelectorAll(sel: string): Iterable<BrowserEl> & { length: number };
  closest(sel: string): BrowserEl | null;
  getBoundingClientRect(): { width: number; height: number };
}
declare const document: { querySelectorAll(sel: string): Iterable<BrowserEl> };
type HTMLElement = BrowserEl;

const CHROMIUM = process.env.B2M_CHROMIUM ?? '/usr/bin/chromium';
const HAVE = existsSync(CHROMIUM);
if (!HAVE) {
  process.stderr.write(
    `[browser tests] skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set B2M_CHROMIUM)\n`,
  );
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
];

/** Console errors and page errors, plus every request that is not to `allowed`. */
function watch(page: Page, allowed: (url: string) => boolean) {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => {
    if (!allowed(r.url())) foreign.push(r.url());
  });
  return { errors, foreign };
}

describe('in a headless browser', { skip: HAVE ? false : `no chromium at ${CHROMIUM}` }, () => {
  let fx: Awaited<ReturnType<typeof tempRun>>;
  let ctx: BrowserContext;
  let studio: Studio;
  let profile: string;

  before(async () => {
    fx = await tempRun('browser');
    writeFileSync(join(fx.dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    await writeReport(fx.run);
    studio = await startStudio({ runDir: fx.run, port: 0, webDir: ensureWebBundle() });
    profile = mkdtempSync(join(tmpdir(), 'b2m-chromium-'));
    const { chromium } = await import('playwright-core');
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 900 },
    });
  });
  after(async () => {
    await ctx?.close();
    await studio?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    fx?.cleanup();
  });

  it('report.html from file:// loads every audio, image and chart, with no errors and no network', async () => {
    const page = await ctx.newPage();
    const w = watch(page, (u) => u.startsWith('file://'));
    await page.goto(pathToFileURL(join(fx.run, 'report.html')).href);
    const audio = await page.evaluate(async () => {
      const els = [...document.querySelectorAll('audio')];
      const res = await Promise.all(
        els.map(
          (a) =>
            new Promise<boolean>((resolve) => {
              a.addEventListener('loadedmetadata', () => resolve(a.duration > 0), { once: true });
              a.addEventListener('error', () => resolve(false), { once: true });
              a.preload = 'metadata';
              a.load();
            }),
        ),
      );
      return { n: els.length, ok: res.filter(Boolean).length };
    });
    assert.equal(audio.n, fx.testClips.length * 3 * fx.subjects.length);
    assert.equal(audio.ok, audio.n, 'every audio element loads');
    const imgs = await page.evaluate(() =>
      [...document.querySelectorAll('img')].map((i) => ({
        src: i.getAttribute('src'),
        ok: i.complete && i.naturalWidth > 0,
      })),
    );
    assert.ok(imgs.length > 0);
    for (const i of imgs) assert.ok(i.ok, `image ${i.src} did not load`);
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('div.chart')].map((c) => {
        const svgs = [...c.querySelectorAll('svg')];
        const main = svgs.at(-1);
        const r = main?.getBoundingClientRect();
        return {
          name: c.getAttribute('data-chart'),
          marks: main ? main.querySelectorAll('rect, circle, path, line, text').length : 0,
          visible: !(c.closest('[hidden]') !== null),
          w: r?.width ?? 0,
          h: r?.height ?? 0,
        };
      }),
    );
    assert.ok(charts.length >= 6, `${charts.length} charts`);
    for (const c of charts) {
      assert.ok(c.marks > 3, `chart ${c.name} has no marks`);
      if (c.visible) assert.ok(c.w > 100 && c.h > 50, `chart ${c.name} not rendered (${c.w}×${c.h})`);
    }
    // The subject selector shows one subject's clips at a time.
    const shown = async () =>
      page.evaluate(() =>
        [...document.querySelectorAll('#clips .subject-panel')]
          .filter((p) => !(p as HTMLElement).hidden)
          .map((p) => (p as HTMLElement).dataset.subject),
      );
    assert.deepEqual(await shown(), ['sub-001']);
    await page.selectOption('#clips select.subject-select', 'sub-002');
    assert.deepEqual(await shown(), ['sub-002']);
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.foreign, []);
    await page.close();
  });

  it('studio: niivue draws the map, a voxel click shows its numbers, an answer is recorded', async () => {
    const page = await ctx.newPage();
    const origin = studio.url.replace(/\/$/, '');
    const w = watch(page, (u) => u.startsWith(origin) || u.startsWith('data:') || u.startsWith('blob:'));
    await page.goto(studio.url);
    await page.waitForSelector('body[data-brain-loaded="1"]', { timeout: 20_000 });
    await page.waitForTimeout(300);
    const canvas = page.locator('#brain-canvas');
    const box = await canvas.boundingBox();
    assert.ok(box);
    const { PNG } = await import('pngjs');
    const shot = PNG.sync.read(await canvas.screenshot());
    // Warm-coloured overlay pixels (the r map above threshold), and the grey anatomy under them.
    const warm: Array<[number, number]> = [];
    let grey = 0;
    for (let y = 0; y < shot.height; y++)
      for (let x = 0; x < shot.width; x++) {
        const o = (y * shot.width + x) * 4;
        const [r, g, b] = [shot.data[o]!, shot.data[o + 1]!, shot.data[o + 2]!];
        if (r > 180 && b < 90 && r - b > 120 && g > 40) warm.push([x, y]);
        if (r > 60 && Math.abs(r - g) < 8 && Math.abs(g - b) < 8) grey++;
      }
    assert.ok(warm.length > 100, `only ${warm.length} overlay pixels`);
    assert.ok(grey > 1000, `only ${grey} anatomy pixels`);
    // Click an overlay pixel in the left (axial) tile: the server reports the voxel's numbers.
    const target = warm.find(([x]) => x < shot.width / 3) ?? warm[0]!;
    const scale = box.width / shot.width;
    await page.mouse.click(box.x + target[0] * scale, box.y + target[1] * scale);
    await page.waitForSelector('#voxel-table', { timeout: 10_000 });
    const cells = await page.$$eval('#voxel-table tr', (rows) =>
      Object.fromEntries(
        rows.map((r) => [r.querySelector('th')?.textContent, r.querySelector('td')?.textContent]),
      ),
    );
    assert.ok(Number(cells['r dsp']) > 0.05, JSON.stringify(cells));
    assert.ok(Number(cells['noise ceiling']) > 0, JSON.stringify(cells));
    assert.notEqual(cells.ROI, '–', JSON.stringify(cells));
    assert.equal(await page.locator('#timecourse polyline').count(), 2);

    // Listening test: one answer appended to listening/answers.jsonl.
    const file = join(fx.run, 'listening', 'answers.jsonl');
    const before = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    await page.click('button[data-tab="listening"]');
    await page.fill('#rater', 'browser-test');
    await page.click('#choose-a');
    await page.waitForSelector('#listening-status[data-recorded="1"]', { timeout: 10_000 });
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, before + 1);
    assert.equal(JSON.parse(lines.at(-1)!).rater, 'browser-test');

    // Clip browser: filter by genre.
    await page.click('button[data-tab="clips"]');
    await page.selectOption('#clips-genre', 'jazz');
    assert.equal(
      await page.locator('#clips-table tbody tr').count(),
      fx.testClips.filter((c) => c.startsWith('jazz.')).length,
    );

    // Traversal from the page's own origin: refused, never the file's content.
    for (const p of ['/run/%2e%2e/secret.txt', '/run/..%2fsecret.txt', '/run/..%5csecret.txt']) {
      const r = await page.request.get(origin + p);
      assert.ok([400, 403, 404].includes(r.status()), `${p} → ${r.status()}`);
      assert.ok(!(await r.text()).includes('TOP-SECRET'));
    }
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.foreign, []);
    await page.close();
  });
});
