/** HTTP layer: app shell, auth, idempotency, errors, health. */
export { buildApp, type App } from './buildApp.ts';
export { requireApiKey, requireAdminKey } from './auth.ts';
export { requireIdempotencyKey, purgeExpiredIdempotencyKeys, storeIdempotentResponseIn, markIdempotentResponseStored, idempotencyEffectKey } from './idempotency.ts';

export type { ReadinessCheck } from './health.ts';
