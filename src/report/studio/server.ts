/**
 * `b2m studio`: a local web server over one run folder. Safe by default: binds
 * 127.0.0.1, answers only requests whose Host names this server (no DNS
 * rebinding), serves only regular files inside the run folder (see
 * `safe-path.ts`) and the bundled app, never lists folders, sends a
 * Content-Security-Policy with every response, and accepts exactly one POST —
 * a listening-test answer, size-limited, same-origin, validated field by field,
 * appended one line at a time.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../../util/errors.js';
import { anatomyPath } from '../anatomy.js';
import { AnswerInputSchema, appendAnswer, MAX_ANSWER_BYTES } from '../listening.js';
import { type RunData, readRun } from '../run-data.js';
import { runView } from './api.js';
import { contentType, resolveRunFile } from './safe-path.js';
import { SubjectVoxels } from './voxel.js';

export interface StudioOptions {
  runDir: string;
  /** 0 picks a free port. Default 8642. */
  port?: number;
  /** Default 127.0.0.1; anything else exposes the run folder to the network. */
  host?: string;
  /** Folder of the built web app (index.html, app.js, app.css). */
  webDir: string;
  /** Request log lines (the CLI prints them; library code never does). */
  log?: (line: string) => void;
}

export interface Studio {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The app's policy: everything from this origin only; niivue needs blob: workers and WebGL, no eval. */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Run files (including report.html) are shown as documents without scripts. */
export const FILE_CSP =
  "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'";

const APP_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/app.css': 'app.css',
};

function send(res: ServerResponse, status: number, body: string | Buffer, type: string, csp = APP_CSP): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

function json(res: ServerResponse, status: number, v: unknown): void {
  send(res, status, JSON.stringify(v), 'application/json; charset=utf-8');
}

function error(res: ServerResponse, status: number, message: string): void {
  json(res, status, { error: message });
}

/** Streams a file, honouring a single `Range: bytes=a-b` (audio seeking). */
function sendFile(req: IncomingMessage, res: ServerResponse, path: string, size: number, csp: string): void {
  const headers: Record<string, string | number> = {
    'Content-Type': contentType(path),
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
  };
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (m && (m[1] || m[2])) {
    let start = m[1] ? Number(m[1]) : size - Number(m[2]);
    let end = m[1] && m[2] ? Number(m[2]) : size - 1;
    start = Math.max(0, start);
    end = Math.min(size - 1, end);
    if (start > end || start >= size) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Security-Policy': csp });
      res.end();
      return;
    }
    res.writeHead(206, {
      ...headers,
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Content-Length': end - start + 1,
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(path, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': size });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(path).pipe(res);
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return null;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of req) {
    total += (c as Buffer).length;
    if (total > limit) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the studio; a missing or malformed run folder is a `UserError` before anything listens. */
export async function startStudio(opts: StudioOptions): Promise<Studio> {
  let run: RunData = await readRun(opts.runDir);
  const host = opts.host ?? '127.0.0.1';
  for (const f of ['index.html', 'app.js', 'app.css']) {
    if (!existsSync(join(opts.webDir, f))) {
      throw new UserError(`the studio's web app is not built (${f} missing)`, {
        file: opts.webDir,
        hint: 'run `node scripts/build-web.mjs` (npm install does it)',
      });
    }
  }
  const voxels = new Map<string, SubjectVoxels>();
  let appendChain: Promise<void> = Promise.resolve();
  let port = 0;
  const log = opts.log ?? (() => {});

  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
  const allowedHost = (h: string | undefined) => {
    if (!h) return false;
    // An explicit --host exposes the server on purpose; the Host check guards the loopback default.
    if (!loopback) return true;
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${host}:${port}`].includes(
      h.toLowerCase(),
    );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const rawUrl = req.url ?? '/';
    if (!allowedHost(req.headers.host)) return error(res, 403, 'unexpected Host header');
    if (!rawUrl.startsWith('/')) return error(res, 404, 'not found');
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));

    if (req.method === 'POST') {
      if (path !== '/api/listening') return error(res, 405, 'POST is accepted only for /api/listening');
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedHost(origin.replace(/^https?:\/\//, ''))) {
        return error(res, 403, 'cross-origin POST refused');
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return error(res, 415, 'send application/json');
      }
      const body = await readBody(req, MAX_ANSWER_BYTES);
      if (body === null) return error(res, 413, `answer larger than ${MAX_ANSWER_BYTES} bytes`);
      let raw: unknown;
      try {
        raw = JSON.parse(body);
      } catch {
        return error(res, 400, 'body is not JSON');
      }
      const r = AnswerInputSchema.safeParse(raw);
      if (!r.success) {
        const i = r.error.issues[0];
        return error(res, 400, `${i?.path.join('.') || 'body'}: ${i?.message}`);
      }
      const a = r.data;
      if (!run.subjects.includes(a.subject)) return error(res, 400, `unknown subject ${a.subject}`);
      if (!run.testClips.some((c) => c.id === a.clip)) return error(res, 400, `unknown test clip ${a.clip}`);
      for (const side of [a.a, a.b]) {
        const f = await resolveRunFile(run.root, side.audio.split('/').map(encodeURIComponent).join('/'));
        if (!f.ok) return error(res, 400, `audio ${side.audio} is not in the run folder`);
      }
      const answer = { time: new Date().toISOString(), ...a };
      appendChain = appendChain.then(() => appendAnswer(run.root, answer));
      await appendChain;
      return json(res, 201, { ok: true });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return error(res, 405, 'method not allowed');

    const app = APP_FILES[path];
    if (app) {
      const body = await readFile(join(opts.webDir, app));
      return send(res, 200, body, contentType(app));
    }
    if (path === '/api/run') {
      run = await readRun(run.root);
      return json(res, 200, runView(run));
    }
    if (path === '/api/voxel') {
      const sub = params.get('subject') ?? '';
      const e = run.encoding[sub];
      if (!e) return error(res, 404, `no encoding maps for ${sub || 'this subject'}`);
      const [x, y, z] = ['x', 'y', 'z'].map((k) => Number(params.get(k)));
      if (![x, y, z].every((v) => Number.isFinite(v) && Math.abs(v as number) < 1e4)) {
        return error(res, 400, 'x, y, z (mm) must be numbers');
      }
      let v = voxels.get(sub);
      if (!v) {
        v = new SubjectVoxels(e);
        voxels.set(sub, v);
      }
      const space = params.get('space') ?? undefined;
      return json(res, 200, await v.at(x as number, y as number, z as number, space));
    }
    const anat = /^\/api\/anatomy\/(sub-[A-Za-z0-9]+)\/anatomy\.nii\.gz$/.exec(path);
    if (anat) {
      // The anatomy lives in the dataset, outside the run folder: only the file encoding.json names is served.
      const e = run.encoding[anat[1] as string];
      const p = e ? anatomyPath(e) : undefined;
      if (!p) return error(res, 404, 'no anatomy for this subject');
      const { stat } = await import('node:fs/promises');
      return sendFile(req, res, p, (await stat(p)).size, FILE_CSP);
    }
    if (path.startsWith('/run/')) {
      const f = await resolveRunFile(run.root, path.slice(5));
      if (!f.ok) return error(res, f.status, f.status === 404 ? 'not found' : 'refused');
      return sendFile(req, res, f.path, f.size, FILE_CSP);
    }
    return error(res, 404, 'not found');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res)
      .then(() => log(`${req.method} ${req.url} ${res.statusCode}`))
      .catch((e: unknown) => {
        log(`${req.method} ${req.url} failed: ${(e as Error).message}`);
        if (!res.headersSent) error(res, 500, 'internal error');
        else res.destroy();
      });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new UserError(`port ${opts.port} is already in use`, {
              field: '--port',
              hint: 'choose another --port, or 0 for any free port',
            })
          : e,
      ),
    );
    server.listen(opts.port ?? 8642, host, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
