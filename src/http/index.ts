/** HTTP layer: app shell, auth, idempotency, errors, health. */
export { buildApp, type App, type AppDeps } from './buildApp.ts';
export { requireApiKey, requireAdminKey, digestKey, keyMatches, type AuthKeys } from './auth.ts';
export { requireIdempotencyKey, purgeExpiredIdempotencyKeys, requestFingerprint, storeIdempotentResponseIn, markIdempotentResponseStored, idempotencyEffectKey, DEFAULT_IDEMPOTENCY_LEASE_MS, type IdempotencyClaim, type StoredBodyCompletion } from './idempotency.ts';
export { toErrorResponse, type ErrorBody } from './renderError.ts';
export type { ReadinessCheck } from './health.ts';
