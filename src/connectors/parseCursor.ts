/**
 * Reading a stored connector cursor: JSON checked against the connector's schema, which pins the
 * format version (`v`). A cursor this version cannot read is stale, so the pipeline starts over
 * with a full sync instead of guessing.
 */
import type { z } from 'zod';
import { StaleCursorError } from './contract.ts';

/** Decode a stored cursor: null for none; StaleCursorError naming `label` for one that is not JSON or does not match `schema`. */
export function parseCursor<S extends z.ZodType>(schema: S, text: string | null, label: string): z.output<S> | null {
  if (text === null) return null;
  let parsed: z.ZodSafeParseResult<z.output<S>> | undefined;
  try {
    parsed = schema.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new StaleCursorError(`stored ${label} cursor is not in a format this version reads`);
  return parsed.data;
}
