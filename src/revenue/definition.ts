/**
 * THE revenue definition — the only module that decides which payments count as revenue
 * (src/revenue/README.md; test/revenue/single-definition.test.ts fails the build if another file does).
 *
 * A payment counts when it is a charge (kind 'charge') whose unified status is COLLECTED or
 * REFUNDED: a refunded charge was collected first, and its refund is carried by the charge's
 * `refunded_cents`. For counted charges:
 *   gross    = Σ amount_cents
 *   refunded = Σ refunded_cents   (attributed to the charge's occurred_at, not the refund's date)
 *   net      = gross − refunded
 *   count    = number of counted charges
 * PENDING, FAILED and UNKNOWN (anything the status allow-list did not map) never count. Refund
 * rows (kind 'refund') are informational: adding them would count the refund twice. A payment
 * deleted upstream (`deleted_at` set: an archived deal, a charge Stripe no longer knows) never
 * counts, whatever its status; it counts again if it comes back.
 * Amounts in different currencies are never added together.
 *
 * Single source of truth across TS and SQL: stored aggregates are maintained in PostgreSQL by
 * the rollup trigger, which calls the SQL function `buffalo_counts_as_revenue(kind, status,
 * deleted_at)` (migrations/1009_revenue_excludes_deleted.sql: "not deleted and
 * buffalo_counts_as_revenue(kind, status)", the status rule created in
 * migrations/0300_revenue_rollup.sql). This module names that function as the SQL predicate and
 * states the same rule for TypeScript callers; test/revenue/definition.test.ts asserts the two
 * agree for every kind × status × deleted. To change the rule: edit REVENUE_STATUSES here, add a
 * migration replacing the function, and run rebuildRevenueRollup().
 */

/** Unified statuses whose charges count as revenue. */
export const REVENUE_STATUSES = ['COLLECTED', 'REFUNDED'] as const;

/** The payment kind that carries revenue. */
export const REVENUE_KIND = 'charge';

/** SQL predicate over a `payments` row (optionally aliased) that is true for revenue-counting rows. */
export function revenueSqlPredicate(alias?: string): string {
  const p = alias ? `${alias}.` : '';
  return `buffalo_counts_as_revenue(${p}kind, ${p}status, ${p}deleted_at)`;
}

/** SQL predicate over unaliased `payments` columns (see {@link revenueSqlPredicate}). */
export const REVENUE_SQL_PREDICATE = revenueSqlPredicate();

/** True when a payment of this kind and unified status, not deleted upstream (`deletedAt` null or absent), counts as revenue. */
export function countsAsRevenue(kind: string, status: string, deletedAt: string | Date | null = null): boolean {
  return deletedAt === null && kind === REVENUE_KIND && (REVENUE_STATUSES as readonly string[]).includes(status);
}
