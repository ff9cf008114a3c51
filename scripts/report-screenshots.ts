/**
 * Regenerates the screenshots in docs/img/ from a run folder (e.g. the demo's), or
 * from a fixture run folder when none is given:
 *   node --import tsx scripts/report-screenshots.ts [RUNDIR] [--only studio-brain,report-encoding]
 * Needs Debian's chromium (apt-get install chromium). Writes into a temp folder
 * and docs/img/ only.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { writeFixtureRun } from '../src/report/fixture.js';
import { writeReport } from '../src/report/report.js';
import { ensureWebBundle } from '../src/report/studio/bundle.js';
import { startStudio } from '../src/report/studio/server.js';

// Browser globals inside page.evaluate (this file is type-checked without the DOM library).
declare const document: { getElementById(id: string): { offsetTop: number } | null };
declare const window: { scrollTo(x: number, y: number): void };

const OUT = join(import.meta.dirname, '..', 'docs', 'img');
const CHROMIUM = process.env.B2M_CHROMIUM ?? '/usr/bin/chromium';

const tmp = mkdtempSync(join(tmpdir(), 'b2m-shots-'));
try {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf('--only');
  // --only NAMES: rewrite just these pictures (a run folder with only some stages keeps the others).
  const only = onlyAt >= 0 ? new Set((args.splice(onlyAt, 2)[1] ?? '').split(',')) : null;
  const shoot = async (name: string, take: (path: string) => Promise<unknown>) => {
    if (!only || only.has(name)) await take(join(OUT, `${name}.png`));
  };
  const given = args[0];
  const runDir =
    given ?? (await writeFixtureRun(join(tmp, 'demo-run'), { testPerGenre: 2, seconds: 4 })).runDir;
  const rep = await writeReport(runDir);
  console.log(
    `report: ${(rep.bytes / 1e3).toFixed(0)} kB + assets ${(rep.assetBytes / 1e3).toFixed(0)} kB in ${rep.seconds.toFixed(1)} s`,
  );
  const studio = await startStudio({ runDir, port: 0, webDir: ensureWebBundle() });
  const profile = join(tmp, 'profile');
  mkdirSync(profile);
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 900 },
  });
  const page = await ctx.newPage();
  await page.goto(pathToFileURL(join(runDir, 'report.html')).href);
  await shoot('report-summary', (path) => page.screenshot({ path }));
  for (const id of ['genres', 'clips', 'encoding']) {
    await page.evaluate((s) => {
      const el = document.getElementById(s);
      if (el) window.scrollTo(0, el.offsetTop - 110);
    }, id);
    await shoot(`report-${id}`, (path) => page.screenshot({ path }));
  }
  await page.goto(studio.url);
  await page.waitForSelector('body[data-brain-loaded="1"]', { timeout: 30_000 });
  await page.waitForTimeout(500);
  // Click the brightest overlay pixel of the axial (left) tile: the peak of the r map.
  const canvas = page.locator('#brain-canvas');
  const box = await canvas.boundingBox();
  const img = PNG.sync.read(await canvas.screenshot());
  let best: [number, number, number] = [0, 0, -1];
  for (let y = 0; y < img.height; y++)
    for (let x = 0; x < img.width / 3; x++) {
      const o = (y * img.width + x) * 4;
      const [r, g, b] = [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
      if (r > 180 && b < 90 && g > best[2]) best = [x, y, g];
    }
  if (box && best[2] >= 0) {
    const k = box.width / img.width;
    await page.mouse.click(box.x + best[0] * k, box.y + best[1] * k);
  }
  await page.waitForSelector('#voxel-table', { timeout: 10_000 }).catch(() => {});
  await shoot('studio-brain', (path) => page.screenshot({ path }));
  await shoot('studio-clips', async (path) => {
    await page.click('button[data-tab="clips"]');
    await page.selectOption('#clips-genre', 'jazz');
    await page.screenshot({ path });
  });
  await shoot('studio-listening', async (path) => {
    await page.click('button[data-tab="listening"]');
    await page.fill('#rater', 'ana');
    await page.screenshot({ path });
  });
  await ctx.close();
  await studio.close();
  console.log(`wrote screenshots to ${OUT}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
