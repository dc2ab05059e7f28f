/** Revenue metrics (src/revenue/README.md): the revenue definition, the rollup-backed views and their routes. */
export { REVENUE_STATUSES, REVENUE_SQL_PREDICATE, countsAsRevenue } from './definition.ts';
export { isCalendarDate, parseRevenueFilters, type RevenueFilters } from './parseRevenueQuery.ts';
export { queryRevenue, summarizeRevenue, dailyRevenue, weeklyRevenue, type RevenueAmounts, type RevenueSummary, type DailyRevenue, type WeeklyRevenue } from './queryRevenue.ts';
export type { BucketKind } from './revenueSql.ts';
export { verifyRevenueRollup, rebuildRevenueRollup } from './rebuildRollup.ts';
export { revenueRoutes } from './routes.ts';
