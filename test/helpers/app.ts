/** Build the HTTP app shell for tests with known keys. */
import { buildApp, type App, type ReadinessCheck } from '../../src/http/index.ts';
import { silentLogger } from '../../src/log.ts';
import type { Pool } from '../../src/db/index.ts';

/** Keys used by test apps. */
export const TEST_KEYS = { apiKey: 'test-api-key-0123456789abcdef', adminApiKey: 'test-admin-key-0123456789abcdef' };
/** Headers carrying the test API key. */
export const API_HEADERS = { 'x-api-key': TEST_KEYS.apiKey };
/** Headers carrying the test admin key. */
export const ADMIN_HEADERS = { 'x-admin-api-key': TEST_KEYS.adminApiKey };

/** An app shell on `pool`; register routes on it, then `await app.ready()`. */
export function buildTestApp(pool: Pool, opts: { bodyLimitBytes?: number; readiness?: ReadinessCheck[]; idempotencyLeaseMs?: number } = {}): Promise<App> {
  return buildApp({ pool, logger: silentLogger, auth: TEST_KEYS, ...opts });
}
