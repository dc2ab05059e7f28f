/** Revenue metrics (src/revenue/README.md): the revenue definition, the rollup-backed views and their routes. */
export { REVENUE_STATUSES, REVENUE_KIND, REVENUE_SQL_PREDICATE, revenueSqlPredicate, countsAsRevenue } from './definition.ts';
export { REVENUE_SOURCES, revenueQuerySchema, parseRevenueFilters, isCalendarDate, isIanaTimeZone, type RevenueFilters, type RevenueSource } from './parseRevenueQuery.ts';
export { queryRevenue, summarizeRevenue, dailyRevenue, weeklyRevenue, type RevenueAmounts, type RevenueSummary, type DailyRevenue, type WeeklyRevenue } from './queryRevenue.ts';
export type { BucketKind } from './revenueSql.ts';
export { verifyRevenueRollup, rebuildRevenueRollup, type RollupMismatch, type RollupLevel } from './rebuildRollup.ts';
export { revenueRoutes } from './routes.ts';
