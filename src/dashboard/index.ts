/** The operator dashboard (`/dashboard`): its Fastify plugin, overview document and bundler. */
export { dashboardRoutes } from './dashboardRoutes.ts';
export { CONNECTIONS_SHOWN, type Overview } from './collectOverview.ts';
export { loadAssets } from './loadAssets.ts';
export { bundleClient } from './buildBundle.ts';
