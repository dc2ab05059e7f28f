/**
 * The `oauth_states` table: connect flows in progress. A state is random (256 bits), works once
 * and for {@link STATE_TTL_MS}; only its SHA-256 is stored, so reading the table gives nobody a
 * state to complete a flow with. The PKCE verifier is stored sealed, bound to that hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OAuthProvider } from '../config.ts';
import type { Pool } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { SecretBox } from './secretBox.ts';

/** How long a user has between `GET /connect/:provider` and the callback. */
export const STATE_TTL_MS = 10 * 60_000;
// Expired and used states are kept a day, so a late or repeated callback is told what happened.
const KEEP_AFTER_EXPIRY = '1 day';

/** A flow just started: what the caller needs to send the user on their way. */
export interface StartedFlow {
  state: string;
  verifier: string;
  expiresAt: Date;
}

/** A flow taken out by its callback. */
export interface TakenFlow {
  provider: OAuthProvider;
  name: string;
  redirectUri: string;
  verifier: string;
}

const hashOf = (state: string) => createHash('sha256').update(state).digest('hex');
const sealContext = (hash: string) => `oauth_state:${hash}`;

/** Store a new flow for `provider`; old rows are cleared on the way. */
export async function saveOAuthState(pool: Pool, box: SecretBox, flow: { provider: OAuthProvider; name: string; redirectUri: string; now: number }): Promise<StartedFlow> {
  const state = randomBytes(32).toString('base64url');
  // 43 characters of base64url: RFC 7636's minimum verifier length, 256 bits.
  const verifier = randomBytes(32).toString('base64url');
  const hash = hashOf(state);
  const expiresAt = new Date(flow.now + STATE_TTL_MS);
  await pool.query(`DELETE FROM oauth_states WHERE expires_at < now() - interval '${KEEP_AFTER_EXPIRY}'`);
  await pool.query('INSERT INTO oauth_states (state_hash, provider, name, redirect_uri, verifier_sealed, expires_at) VALUES ($1, $2, $3, $4, $5, $6)', [
    hash,
    flow.provider,
    flow.name,
    flow.redirectUri,
    box.seal(verifier, sealContext(hash)),
    expiresAt,
  ]);
  return { state, verifier, expiresAt };
}

/** Take the flow of `state` (single use); 400 oauth_state_invalid saying whether it is unknown, used or expired. */
export async function takeOAuthState(pool: Pool, box: SecretBox, provider: OAuthProvider, state: string): Promise<TakenFlow> {
  const hash = hashOf(state);
  // One statement: of two callbacks racing with one state, exactly one gets the row.
  const { rows } = await pool.query<{ name: string; redirect_uri: string; verifier_sealed: string }>(
    'UPDATE oauth_states SET used_at = now() WHERE state_hash = $1 AND provider = $2 AND used_at IS NULL AND expires_at > now() RETURNING name, redirect_uri, verifier_sealed',
    [hash, provider],
  );
  const row = rows[0];
  if (row) return { provider, name: row.name, redirectUri: row.redirect_uri, verifier: box.open(row.verifier_sealed, sealContext(hash)) };
  const known = await pool.query<{ provider: string; used: boolean }>('SELECT provider, used_at IS NOT NULL AS used FROM oauth_states WHERE state_hash = $1', [hash]);
  const found = known.rows[0];
  const why = !found || found.provider !== provider ? 'is unknown' : found.used ? 'was already used' : 'has expired';
  throw new AppError('oauth_state_invalid', `this ${provider} connect flow ${why}; start again with GET /connect/${provider}`, { details: { provider } });
}
