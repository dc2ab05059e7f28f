/**
 * The one gate every upstream record passes before it is written (sync pages and webhooks):
 * its strings are made storable (src/db makeStorable) and its shape is checked against explicit
 * bounds. A record within bounds is enqueued as usual, with what was replaced recorded; a record
 * beyond them is still enqueued — as an "unstorable" job that carries its raw JSON as a string
 * and that the processor dead-letters at once with the reason — so it never fails its page or
 * its webhook, and nothing is lost.
 *
 * The content hash is computed AFTER sanitizing, over exactly the payload stored in the job:
 * sanitizing is deterministic, so the hash is as stable across runs as before, anyone can
 * recompute it from the job, and a clean record's hash is unchanged (its sanitized form is itself).
 */
import { createHash } from 'node:crypto';
import type { RawRecord } from '../connectors/index.ts';
import { makeStorable, type StorableReport } from '../db/index.ts';
import { hashContent } from './hashContent.ts';
import { jsonDepth, jsonText } from './measureJson.ts';

/**
 * Deepest nesting of a record that is stored. Real payloads stay far below: a Stripe event is
 * ~6 levels (event.data.object.payment_method_details.card.checks), and Stripe caps `expand`
 * at 4 further levels; HubSpot and Google Calendar objects are under 6. 64 leaves wide headroom
 * and keeps every recursive consumer (hashing, PostgreSQL's jsonb parser, pino) far from its limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Longest external id stored. Ids are keys of btree indexes (at most ~2,700 bytes per entry),
 * and real ids are short (Stripe ≤ 255 characters, HubSpot and Google far less).
 */
export const MAX_EXTERNAL_ID_CHARS = 255;

/** Why a record is not stored, with its raw JSON kept for the dead letter. */
export interface Unstorable {
  reason: string;
  /** The record's payload as JSON text (strings already made storable). */
  rawJson: string;
}

/** A record ready for the outbox. */
export interface PreparedRecord {
  entity: string;
  externalId: string;
  /** The storable payload (null when unstorable: the raw JSON is in `unstorable.rawJson`). */
  payload: unknown;
  /** sha256 of the canonical JSON of `payload` (or of the raw JSON when unstorable). */
  hash: string;
  /** What was replaced to make it storable, or null. */
  sanitized: StorableReport | null;
  unstorable: Unstorable | null;
  /** The upstream version the connector stamped (connectors' versions.ts), when it did. */
  version?: string | null;
}

/** Make one raw record storable, or mark it unstorable with the exact reason. */
export function prepareRecord(source: string, record: RawRecord): PreparedRecord {
  const { value, report } = makeStorable({ entity: record.entity, externalId: record.externalId, payload: record.payload });
  const { entity, payload } = value;
  let externalId = value.externalId;
  const problems: string[] = [];
  const depth = jsonDepth(payload, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) problems.push(`payload nested more than ${MAX_JSON_DEPTH} levels deep (the limit)`);
  if (externalId.length > MAX_EXTERNAL_ID_CHARS) {
    problems.push(`id is ${externalId.length} characters long (the limit is ${MAX_EXTERNAL_ID_CHARS})`);
    externalId = `${externalId.slice(0, 100)}…sha256:${sha256(externalId).slice(0, 24)}`;
  }
  const version = record.version === undefined ? {} : { version: record.version };
  if (problems.length === 0) return { entity, externalId, payload, hash: hashContent(payload), sanitized: report, unstorable: null, ...version };
  const rawJson = jsonText(payload);
  return {
    entity,
    externalId,
    payload: null,
    hash: sha256(rawJson),
    sanitized: report,
    ...version,
    unstorable: { reason: `${source}/${entity} ${externalId} is not stored: ${problems.join('; ')}; its raw JSON is kept in payload.unstorable.rawJson`, rawJson },
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
