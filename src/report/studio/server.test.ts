/** The studio server over a fixture run: APIs, headers, traversal over real HTTP, and the one POST. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UserError } from '../../util/errors.js';
import { tempRun } from '../testing.js';
import { type Studio, startStudio } from './server.js';

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw request: the path goes on the wire exactly as written (no client-side normalisation). */
function raw(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('studio server', () => {
  let fx: Awaited<ReturnType<typeof tempRun>>;
  let studio: Studio;
  let webDir: string;
  before(async () => {
    fx = await tempRun('studio');
    webDir = join(fx.dir, 'web');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(webDir);
    writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>studio</title>');
    writeFileSync(join(webDir, 'app.js'), 'export {};');
    writeFileSync(join(webDir, 'app.css'), 'body{}');
    writeFileSync(join(fx.dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    studio = await startStudio({ runDir: fx.run, port: 0, webDir });
  });
  after(async () => {
    await studio?.close();
    fx?.cleanup();
  });

  it('binds 127.0.0.1 and serves the app with a Content-Security-Policy', async () => {
    assert.match(studio.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await raw(studio.port, 'GET', '/');
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/);
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
  });

  it('answers /api/run with clips, subjects, media URLs and encoding maps', async () => {
    const r = await raw(studio.port, 'GET', '/api/run');
    const v = JSON.parse(r.body);
    assert.deepEqual(v.subjects, fx.subjects);
    assert.equal(v.clips.length, fx.testClips.length);
    const sub = v.perSubject['sub-001'];
    assert.ok(sub.encoding.anatomy && Object.keys(sub.encoding.maps).length === 2);
    const clip = fx.testClips[0]!;
    const audio = await raw(studio.port, 'GET', v.clips[0].audio);
    assert.equal(audio.status, 200);
    assert.equal(audio.headers['content-type'], 'audio/mpeg');
    assert.ok(sub.generation.composer[clip].audio.startsWith('/run/audio/generated/'));
    const anat = await raw(studio.port, 'GET', sub.encoding.anatomy);
    assert.equal(anat.status, 200);
  });

  it('serves byte ranges (audio seeking)', async () => {
    const r = await raw(studio.port, 'GET', '/run/metrics.json', undefined, { Range: 'bytes=0-9' });
    assert.equal(r.status, 206);
    assert.equal(r.body, readFileSync(join(fx.run, 'metrics.json'), 'utf8').slice(0, 10));
  });

  it('looks up a voxel by world position: ROI, r, noise ceiling, time course', async () => {
    const r = await raw(studio.port, 'GET', '/api/voxel?subject=sub-001&x=48&y=-8&z=-8');
    const v = JSON.parse(r.body);
    assert.equal(v.roi, 'G_temp_sup-G_T_transv');
    assert.ok(v.r.dsp > 0.4, JSON.stringify(v.r));
    assert.ok(v.noiseCeiling > 0.5);
    assert.equal(v.preferred, 'dsp');
    assert.equal(v.timecourse.measured.length, 40);
    assert.equal((await raw(studio.port, 'GET', '/api/voxel?subject=sub-001&x=a&y=0&z=0')).status, 400);
    assert.equal((await raw(studio.port, 'GET', '/api/voxel?subject=sub-999&x=0&y=0&z=0')).status, 404);
  });

  it('refuses path traversal in every encoding over HTTP, never returning file content', async () => {
    const attacks = [
      '/run/../secret.txt',
      '/run/%2e%2e/secret.txt',
      '/run/%2E%2E/secret.txt',
      '/run/audio/%2e%2e/%2e%2e/secret.txt',
      '/run/%252e%252e/secret.txt',
      '/run/audio%2f..%2f..%2fsecret.txt',
      '/run/..%5csecret.txt',
      '/run/..\\secret.txt',
      '/run//secret.txt',
      `/run/${fx.dir}/secret.txt`,
      '/../secret.txt',
      '/api/anatomy/sub-001/../../secret.txt',
      '/api/anatomy/..%2fsecret.txt',
      '/run/audio',
      '/run/',
      '/run/.b2m-run.json',
    ];
    for (const a of attacks) {
      const r = await raw(studio.port, 'GET', a);
      assert.ok([400, 403, 404].includes(r.status), `${a} → ${r.status}`);
      assert.ok(!r.body.includes('TOP-SECRET'), a);
    }
  });

  it('refuses other methods and foreign Host headers', async () => {
    assert.equal((await raw(studio.port, 'PUT', '/run/metrics.json', 'x')).status, 405);
    assert.equal((await raw(studio.port, 'POST', '/run/metrics.json', 'x')).status, 405);
    assert.equal((await raw(studio.port, 'DELETE', '/run/metrics.json')).status, 405);
    assert.equal(
      (await raw(studio.port, 'GET', '/api/run', undefined, { Host: 'evil.example:80' })).status,
      403,
    );
  });

  it('records a valid listening answer, one line each, and refuses bad ones', async () => {
    const clip = fx.testClips[0]!;
    const other = fx.testClips[1]!;
    const answer = {
      rater: 'tester',
      subject: 'sub-001',
      clip,
      a: { kind: 'brain', audio: `audio/generated/sub-001/composer/${clip}.mp3` },
      b: { kind: 'shuffled', audio: `audio/generated/sub-001/composer/${other}.mp3` },
      choice: 'b',
    };
    const post = (body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }) =>
      raw(studio.port, 'POST', '/api/listening', body, headers);
    const file = join(fx.run, 'listening', 'answers.jsonl');
    const before = readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
    const ok = await post(JSON.stringify(answer));
    assert.equal(ok.status, 201, ok.body);
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, before + 1);
    const last = JSON.parse(lines.at(-1)!);
    assert.equal(last.rater, 'tester');
    assert.equal(last.choice, 'b');
    assert.ok(!Number.isNaN(Date.parse(last.time)));

    assert.equal((await post(JSON.stringify(answer), { 'Content-Type': 'text/plain' })).status, 415);
    assert.equal((await post('{')).status, 400);
    assert.equal((await post(JSON.stringify({ ...answer, choice: 'c' }))).status, 400);
    assert.equal((await post(JSON.stringify({ ...answer, subject: 'sub-777' }))).status, 400);
    assert.equal((await post(JSON.stringify({ ...answer, clip: 'blues.99999' }))).status, 400);
    assert.equal(
      (await post(JSON.stringify({ ...answer, a: { kind: 'brain', audio: 'audio/generated/none.mp3' } })))
        .status,
      400,
    );
    assert.equal((await post(JSON.stringify({ ...answer, rater: 'x'.repeat(5000) }))).status, 413);
    assert.equal(
      (
        await post(JSON.stringify(answer), {
          'Content-Type': 'application/json',
          Origin: 'http://evil.example',
        })
      ).status,
      403,
    );
    assert.equal(readFileSync(file, 'utf8').split('\n').filter(Boolean).length, before + 1);
  });

  it('refuses to start on a missing or malformed run folder', async () => {
    await assert.rejects(startStudio({ runDir: join(fx.dir, 'nope'), port: 0, webDir }), UserError);
    await assert.rejects(startStudio({ runDir: fx.dir, port: 0, webDir }), /not a b2m run folder/);
  });
});
