/** One line of `buffalo doctor`: what was checked, how it went, and what to do about it. */

/** ok: nothing to do; warn: works, but look; fail: broken (doctor exits non-zero). */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** The outcome of one check. */
export interface CheckResult {
  /** Short name, e.g. `database`, `upstream stripe`, `clock`. */
  check: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to change, when it is not ok. */
  fix?: string;
}

/** A result (the fix only when there is one). */
export function result(check: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return { check, status, detail, ...(fix ? { fix } : {}) };
}
