/**
 * What production asks of its secrets beyond their length: not shared between roles, and not a
 * placeholder. A floor against `aaaa…` and `changeme`, not an entropy estimate; the rule and its
 * numbers are explained in docs/runbooks/rotating-keys.md#what-production-refuses.
 */

/** Fewest different characters an API key or JWT secret may have in production. */
export const MIN_DISTINCT_CHARACTERS = 8;
/** Fewest different byte values the 32-byte BUFFALO_SECRET_KEY may have in production. */
export const MIN_DISTINCT_KEY_BYTES = 16;

/** The production secrets as resolved (undefined: unset or already refused for another reason). */
export interface ProductionSecrets {
  API_KEY: string | undefined;
  ADMIN_API_KEY: string | undefined;
  JWT_SECRET: string | undefined;
  /** 32 bytes as base64url, the form the config normalizes it to. */
  BUFFALO_SECRET_KEY: string | undefined;
}

const distinct = (values: Iterable<unknown>): number => new Set(values).size;

/** One line per variable that production must refuse, naming it and never its value. */
export function productionSecretProblems(secrets: ProductionSecrets): string[] {
  const problems = new Map<keyof ProductionSecrets, string>();
  const refuse = (name: keyof ProductionSecrets, why: string) => {
    if (!problems.has(name)) problems.set(name, `${name}: ${why} when NODE_ENV=production`);
  };
  const { API_KEY, ADMIN_API_KEY, JWT_SECRET, BUFFALO_SECRET_KEY } = secrets;
  // A shared value makes every holder of the weaker credential as powerful as the stronger one.
  if (ADMIN_API_KEY !== undefined && ADMIN_API_KEY === API_KEY) refuse('ADMIN_API_KEY', 'must differ from API_KEY (every holder of the API key would be an admin)');
  if (JWT_SECRET !== undefined && (JWT_SECRET === API_KEY || JWT_SECRET === ADMIN_API_KEY)) {
    refuse('JWT_SECRET', `must differ from ${JWT_SECRET === API_KEY ? 'API_KEY' : 'ADMIN_API_KEY'} (its holders could sign order tokens)`);
  }
  for (const name of ['API_KEY', 'ADMIN_API_KEY', 'JWT_SECRET'] as const) {
    const value = secrets[name];
    if (value !== undefined && distinct(value) < MIN_DISTINCT_CHARACTERS) {
      refuse(name, `expected at least ${MIN_DISTINCT_CHARACTERS} different characters, as a random value has (e.g. \`openssl rand -base64 32 | tr -d '=+/'\`)`);
    }
  }
  if (BUFFALO_SECRET_KEY !== undefined && distinct(Buffer.from(BUFFALO_SECRET_KEY, 'base64url')) < MIN_DISTINCT_KEY_BYTES) {
    refuse('BUFFALO_SECRET_KEY', `expected 32 random bytes, got a repeating pattern (fewer than ${MIN_DISTINCT_KEY_BYTES} different byte values; e.g. \`openssl rand -base64 32\`)`);
  }
  return [...problems.values()];
}
