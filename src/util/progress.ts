/**
 * Progress for long work: a bar with counts, rate and ETA when stderr is a TTY;
 * otherwise a quiet line at most every `quietEveryMs` (and at the end), so CI logs
 * stay short. Library code takes an optional `ProgressSink` and never prints itself.
 */
export interface ProgressSink {
  /** Starts a task of `total` units (0 or undefined: unknown total). */
  start(label: string, total?: number): void;
  /** Moves the current task to `done` units (absolute, not a delta). */
  update(done: number, note?: string): void;
  /** Ends the current task. */
  finish(note?: string): void;
}

/** A sink that does nothing: the default for library calls. */
export const silentProgress: ProgressSink = {
  start() {},
  update() {},
  finish() {},
};

export interface ConsoleProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Force the TTY bar on or off (default: the stream's isTTY). */
  tty?: boolean;
  /** Minimum interval between quiet (non-TTY) lines. */
  quietEveryMs?: number;
}

export class ConsoleProgress implements ProgressSink {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly quietEveryMs: number;
  private label = '';
  private total = 0;
  private done = 0;
  private t0 = 0;
  private lastDraw = 0;
  private active = false;

  constructor(opts: ConsoleProgressOptions = {}) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = opts.tty ?? Boolean(this.stream.isTTY);
    this.quietEveryMs = opts.quietEveryMs ?? 10_000;
  }

  start(label: string, total = 0): void {
    if (this.active) this.finish();
    this.label = label;
    this.total = total;
    this.done = 0;
    this.t0 = Date.now();
    this.lastDraw = 0;
    this.active = true;
    if (!this.tty) this.stream.write(`${label}: started${total ? ` (${total})` : ''}\n`);
    else this.draw();
  }

  update(done: number, note?: string): void {
    if (!this.active) return;
    this.done = done;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw >= 100) this.draw(note);
    } else if (now - this.lastDraw >= this.quietEveryMs && now - this.t0 >= this.quietEveryMs) {
      this.lastDraw = now;
      this.stream.write(`${this.label}: ${this.counts()}${this.eta()}${note ? ` ${note}` : ''}\n`);
    }
  }

  finish(note?: string): void {
    if (!this.active) return;
    this.active = false;
    const secs = ((Date.now() - this.t0) / 1000).toFixed(1);
    const line = `${this.label}: done ${this.total ? `${this.total}/${this.total} ` : ''}in ${secs} s${note ? ` ${note}` : ''}`;
    if (this.tty) this.stream.write(`\r\x1b[K${line}\n`);
    else this.stream.write(`${line}\n`);
  }

  private counts(): string {
    return this.total ? `${this.done}/${this.total}` : `${this.done}`;
  }

  private eta(): string {
    if (!this.total || this.done === 0) return '';
    const elapsed = (Date.now() - this.t0) / 1000;
    const left = (elapsed / this.done) * (this.total - this.done);
    return ` eta ${formatSeconds(left)}`;
  }

  private draw(note?: string): void {
    this.lastDraw = Date.now();
    const width = 28;
    const frac = this.total ? Math.min(1, this.done / this.total) : 0;
    const filled = Math.round(frac * width);
    const bar = this.total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
    const pct = this.total ? `${(frac * 100).toFixed(0).padStart(3)}% ` : '';
    this.stream.write(
      `\r\x1b[K${this.label} ${bar}${pct}${this.counts()}${this.eta()}${note ? ` ${note}` : ''}`,
    );
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
