/**
 * Typed errors with stable codes that survive Workers RPC.
 *
 * RPC keeps only an error's `name` and `message`, so the code is also written into the
 * message as a `[CODE]` prefix and read back by {@link errorCodeOf} on the caller's side.
 * @module
 */

// Workers RPC rebuilds a thrown error's message as `<name>: <message>` when the name is not a
// standard one, so `PlatformError [CODE]: [CODE] detail` arrives; both forms carry the code.
const CODE_PREFIX = /^(?:[A-Za-z]+(?: \[[A-Z][A-Z0-9_]*\])?: )?\[([A-Z][A-Z0-9_]*)\]\s?/;

/** Options of a {@link PlatformError}. */
export interface PlatformErrorOptions {
  /** HTTP status when the error reaches the edge (default 400). */
  status?: number;
  /** The error that caused this one. */
  cause?: unknown;
  /** Extra headers for the HTTP response (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  /** Extra JSON fields merged into the error body (e.g. `retryAfter`). */
  extra?: Record<string, unknown>;
}

/**
 * The base of every error the platform throws on purpose.
 * @example
 * throw new PlatformError("TABLE_NOT_FOUND", "table orders does not exist", { status: 404 });
 */
export class PlatformError<C extends string = string> extends Error {
  /** Stable, machine-readable code (`UPPER_SNAKE`). */
  readonly code: C;
  /** HTTP status used at the edge. */
  readonly status: number;
  /** The message without the `[CODE]` prefix. */
  readonly detail: string;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

  constructor(code: C, detail: string, options: PlatformErrorOptions = {}) {
    super(`[${code}] ${detail}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = `PlatformError [${code}]`;
    this.code = code;
    this.detail = detail;
    this.status = options.status ?? 400;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  /** The JSON error body of ARCHITECTURE.md: `{ error: { code, message, ...extra } }`. */
  toBody(): { error: { code: C; message: string } & Record<string, unknown> } {
    return { error: { ...this.extra, code: this.code, message: this.detail } };
  }
}

/**
 * True when `err` is a {@link PlatformError} (optionally with the given code).
 * @param err anything caught
 * @param code the code to match, if any
 */
export function isPlatformError<C extends string>(err: unknown, code?: C): err is PlatformError<C> {
  return err instanceof PlatformError && (code === undefined || err.code === code);
}

/**
 * The stable code of an error, also after it crossed RPC (read from the `[CODE]` prefix).
 * @param err anything caught
 * @returns the code, or undefined for an error that carries none
 */
export function errorCodeOf(err: unknown): string | undefined {
  if (err instanceof PlatformError) return err.code;
  if (err instanceof Error) return CODE_PREFIX.exec(err.message)?.[1];
  return undefined;
}

/**
 * Rebuilds a {@link PlatformError} from an error that crossed RPC, or returns undefined.
 * @param err an error caught around an RPC call
 * @param status the HTTP status to give it (RPC does not carry it)
 */
export function fromRemoteError(err: unknown, status = 500): PlatformError | undefined {
  if (err instanceof PlatformError) return err;
  if (!(err instanceof Error)) return undefined;
  const match = CODE_PREFIX.exec(err.message);
  if (!match?.[1]) return undefined;
  return new PlatformError(match[1], err.message.slice(match[0].length), { status, cause: err });
}

/** 404 with code NOT_FOUND (or another code). */
export function notFound(detail: string, code = "NOT_FOUND"): PlatformError {
  return new PlatformError(code, detail, { status: 404 });
}

/** 409 with the given code. */
export function conflict(code: string, detail: string): PlatformError {
  return new PlatformError(code, detail, { status: 409 });
}

/** A package's error codes: the status of each, a guard, and the error that carries one. */
export interface ErrorCodes<C extends string> {
  /** Every code and its HTTP status: lets a caller across RPC answer with the right status. */
  readonly statuses: Readonly<Record<C, number>>;
  /** True when `code` (e.g. read with `errorCodeOf` after RPC) is one of these. */
  is(code: string | undefined): code is C;
  /** A `PlatformError` with `code` and its status (or `status`, where one call differs). */
  error(code: C, detail: string, status?: number): PlatformError<C>;
}

/**
 * Declares a package's codes once, with their statuses. A code is a promise to callers: never
 * rename one; add a new one.
 * @example
 * export const SCHED = errorCodes({ INVALID_CRON: 400, NOT_FOUND: 404 });
 * throw SCHED.error("INVALID_CRON", "when.cron: 6 fields");
 */
export function errorCodes<const T extends Record<string, number>>(statuses: T): ErrorCodes<keyof T & string> {
  type C = keyof T & string;
  return {
    statuses,
    is: (code): code is C => code !== undefined && Object.hasOwn(statuses, code),
    error: (code, detail, status = statuses[code]) => new PlatformError(code, detail, { status }),
  };
}
