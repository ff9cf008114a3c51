/**
 * Errors a user can act on. Every message says what is wrong, where (file, line,
 * column or field) and what would fix it; the CLI prints them without a stack trace.
 */
export interface ErrorLocation {
  /** File the problem was found in. */
  file?: string;
  /** 1-based line number, for text formats. */
  line?: number;
  /** 1-based column number or a column name, for tables. */
  column?: number | string;
  /** Header field, option or key at fault. */
  field?: string;
}

export class UserError extends Error {
  readonly location: ErrorLocation;
  /** What would fix it, one sentence. */
  readonly hint: string | undefined;

  constructor(message: string, opts: ErrorLocation & { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'UserError';
    const { hint, cause: _cause, ...location } = opts;
    this.location = location;
    this.hint = hint;
  }

  /** One human line: `file:line:column: field: message (hint)`. */
  format(): string {
    const { file, line, column, field } = this.location;
    let where = file ?? '';
    if (file !== undefined && line !== undefined) where += `:${line}`;
    if (file !== undefined && line !== undefined && column !== undefined) where += `:${column}`;
    else if (column !== undefined) where += `${where ? ' ' : ''}column ${column}`;
    if (field !== undefined) where += `${where ? ' ' : ''}[${field}]`;
    const head = where ? `${where}: ${this.message}` : this.message;
    return this.hint ? `${head}\n  fix: ${this.hint}` : head;
  }
}

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}
