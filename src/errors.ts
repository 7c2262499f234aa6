// The error kinds redplay knows. User mistakes and transport faults are values with a kind and
// a location; the CLI maps each kind to one exit code in one place (src/cli/exit-codes.ts).

/** Where in a user's file something is: 1-based line and column. */
export interface Location {
  file: string;
  line: number;
  col: number;
  /** Logical path inside the document, e.g. `plays[0].tasks[3].template.dest`. */
  path?: string;
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc) return "";
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** Base class: sets `name` from the subclass so messages and JSON say which kind it is. */
export class RedplayError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
  override get name(): string {
    return this.constructor.name;
  }
}

/** Invalid input found while loading or validating files (exit code 4). */
export class LoadError extends RedplayError {
  constructor(
    message: string,
    readonly loc?: Location,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** One line: `file:line:col: message; hint`. */
  format(): string {
    const where = this.loc ? `${formatLocation(this.loc)}: ` : "";
    return `${where}${this.message}${this.hint ? `; ${this.hint}` : ""}`;
  }
}

/** Several load errors found in one pass; reported together (exit code 4). */
export class LoadErrors extends RedplayError {
  constructor(readonly errors: LoadError[]) {
    super(errors.map((e) => e.format()).join("\n"));
  }
}

/** A template could not be rendered (undefined variable, bad syntax). */
export class TemplateError extends RedplayError {
  constructor(
    message: string,
    readonly loc?: Location,
    readonly variable?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An expression (`when`, `failed_when`, ...) could not be evaluated. */
export class ExpressionError extends RedplayError {
  constructor(
    message: string,
    readonly expression: string,
    readonly loc?: Location,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The host cannot be reached (refused, timeout, DNS, host key). Exit code 3. */
export class UnreachableError extends RedplayError {
  constructor(
    readonly host: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The host answered but refused our credentials. Reported as unreachable. */
export class AuthError extends UnreachableError {}

/** The host's key does not match the recorded one: nothing may be sent to it. */
export class HostKeyError extends UnreachableError {}

/** A bug in redplay itself: printed with a request to report it. */
export class InternalError extends RedplayError {}

/** Usage mistakes on the command line (exit code 4). */
export class UsageError extends RedplayError {}

/** A play's host pattern (with --limit) matched no host: an error, not a silent success (exit 5). */
export class NoHostsMatchedError extends RedplayError {
  constructor(
    readonly pattern: string,
    readonly loc?: Location,
    readonly limit?: string,
  ) {
    super(
      `${loc ? `${formatLocation(loc)}: ` : ""}no host matched the pattern "${pattern}"${limit ? ` with --limit "${limit}"` : ""}`,
    );
  }
}

/** The text of any thrown value, for a message. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The message of a failed result for something a module caught. Transport faults are rethrown, so
 * the engine reports the host as unreachable instead of failed.
 */
export function failureText(e: unknown): string {
  if (e instanceof UnreachableError) throw e;
  return errorText(e);
}
