/** Which handler errors are permanent (→ DLQ at once) and how an error is recorded. */
import { z } from 'zod';
import { makeStorable, storableText } from '../db/index.ts';

/** Throw from a handler for a failure that retrying cannot fix: the job goes to the DLQ at once. */
export class PermanentError extends Error {
  /** Marks the error permanent for duck-typed checks across module copies. */
  readonly permanent = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PermanentError';
  }
}

// SQLSTATEs that a given payload will hit again on every retry: class 22 (data exception:
// bad number/date/encoding, out of range), NOT NULL and CHECK violations, and 54000 (a value
// too large for an index entry).
const PERMANENT_SQLSTATE = /^(22...|23502|23514|54000)$/;

/**
 * True for deterministic failures: PermanentError, anything with `permanent: true`, zod
 * validation errors, and data-dependent SQL errors; looks through `cause` chains. An explicit
 * `permanent: false` anywhere first in the chain wins.
 */
export function isPermanentError(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const e = current as { permanent?: unknown; name?: unknown; code?: unknown; cause?: unknown };
    if (typeof e.permanent === 'boolean') return e.permanent;
    if (current instanceof z.core.$ZodError || e.name === 'ZodError') return true;
    if (typeof e.code === 'string' && PERMANENT_SQLSTATE.test(e.code)) return true;
    current = e.cause;
  }
  return false;
}

/** An error as stored on a job / dead letter. */
export interface ErrorRecord {
  name: string;
  message: string;
  stack: string | null;
  details: unknown;
}

const STACK_LINES = 12;

/** The exact message and name, the head of the stack, and structured details when present. */
export function describeError(err: unknown): ErrorRecord {
  if (!(err instanceof Error)) return { name: typeof err, message: storableText(noNul(typeof err === 'string' ? err : safeJson(err))), stack: null, details: null };
  const e = err as Error & { issues?: unknown; code?: unknown; detail?: unknown; details?: unknown };
  let details: unknown = null;
  if (err instanceof z.core.$ZodError) details = { issues: err.issues };
  else if (typeof e.code === 'string') details = { code: e.code, ...(typeof e.detail === 'string' ? { detail: e.detail } : {}) };
  else if (e.details !== undefined) details = e.details;
  // Messages and details (zod issues carry the offending input) may quote upstream content:
  // made storable, or recording the failure would fail the whole batch with it.
  return makeStorable({
    name: noNul(err.name || err.constructor?.name || 'Error'),
    message: noNul(err.message),
    stack: err.stack ? noNul(err.stack.split('\n').slice(0, STACK_LINES).join('\n')) : null,
    details: jsonValue(details),
  }).value;
}

// Details travel as JSON; a circular or exotic value degrades to its string form.
function jsonValue(v: unknown): unknown {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? null : JSON.parse(s);
  } catch {
    return String(v);
  }
}

// PostgreSQL text cannot hold NUL: escaped as the readable text `\u0000` in a message (other
// unstorable characters, unpaired surrogates, become U+FFFD through makeStorable).
function noNul(s: string): string {
  return s.includes('\u0000') ? s.replaceAll('\u0000', '\\u0000') : s;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
