/**
 * Failures of work that nobody awaits (a timer, an event handler, a write
 * made in the background, a clean-up): each is logged once with its context
 * and counted, so none is silent and none becomes an unhandled rejection.
 */
import type { Logger } from 'pino';

/** Counts one failure by a stable code (the metrics' `convene_errors_total{channel="internal"}`). */
export type FailureCounter = (code: string) => void;

export class FailureLog {
  constructor(
    readonly logger: Logger,
    private readonly count: FailureCounter,
  ) {}

  /** A log for one part of the server, its context on every line. */
  child(bindings: Record<string, unknown>): FailureLog {
    return new FailureLog(this.logger.child(bindings), this.count);
  }

  report(what: string, error: unknown): void {
    this.logger.warn({ err: asError(error) }, what);
    this.count(codeOf(error));
  }

  /** Lets `work` run on its own: its failure is reported, never left unhandled. */
  watch(what: string, work: Promise<unknown>): void {
    work.catch((error: unknown) => this.report(what, error));
  }
}

/** A failure log that only writes to `logger`, for tools and tests that keep no metrics. */
export function uncountedFailures(logger: Logger): FailureLog {
  return new FailureLog(logger, () => undefined);
}

/** pino serializes an Error with its type, message and stack; anything else thrown becomes one, so no line has an empty `err`. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(`non-error thrown: ${String(error)}`);
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : 'internal_error';
}
