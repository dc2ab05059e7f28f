/** The operator dashboard (`/dashboard`): its Fastify plugin, overview document and bundler. */
export { dashboardRoutes, type DashboardOptions } from './dashboardRoutes.ts';
export { collectOverview, CONNECTIONS_SHOWN, overviewSchema, type Overview } from './collectOverview.ts';
export { loadAssets, toAsset, type Asset } from './loadAssets.ts';
export { bundleClient, writeBundle, bundleIsStale } from './buildBundle.ts';
