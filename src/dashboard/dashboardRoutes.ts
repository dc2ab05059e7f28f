/**
 * `GET /dashboard` (public HTML shell), `GET /dashboard/assets/:file` (the bundle, immutable
 * when asked by version, gzip when accepted) and `GET /dashboard/api/overview` (API key).
 * Every figure on the page comes from the API with the key the browser holds.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Pool } from '../db/index.ts';
import { requireApiKey } from '../http/index.ts';
import { silentLogger, type Logger } from '../log.ts';
import { collectOverview, overviewSchema } from './collectOverview.ts';
import { loadAssets, type Asset } from './loadAssets.ts';
import { renderPage } from './renderPage.ts';

/** Options of {@link dashboardRoutes}. */
export interface DashboardOptions {
  pool: Pool;
  logger?: Logger;
  /** Preloaded assets (tests); default: {@link loadAssets}. */
  assets?: Map<string, Asset>;
}

// The page loads only its own script and style and talks only to this origin. uPlot sets
// inline styles on its elements, hence 'unsafe-inline' for styles (never for scripts).
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const errorView = z.looseObject({ error: z.string(), message: z.string() });

/** Dashboard plugin: register with `app.register(dashboardRoutes, { pool, logger })`. */
export const dashboardRoutes: FastifyPluginAsyncZod<DashboardOptions> = async (app, opts) => {
  const assets = opts.assets ?? (await loadAssets(opts.logger ?? silentLogger));
  const page = renderPage(assets);

  const sendPage = async (_request: FastifyRequest, reply: FastifyReply) => reply.headers(PAGE_HEADERS).send(page);
  app.get('/dashboard', { schema: { hide: true } }, sendPage);
  app.get('/dashboard/', { schema: { hide: true } }, sendPage);

  app.get(
    '/dashboard/assets/:file',
    { schema: { hide: true, params: z.object({ file: z.string() }), querystring: z.looseObject({ v: z.string().optional() }) } },
    async (request, reply) => {
      const asset = assets.get(request.params.file);
      if (!asset) return reply.code(404).send({ error: 'not_found', message: `no dashboard asset ${request.params.file}` });
      const etag = `"${asset.version}"`;
      void reply
        .header('content-type', asset.contentType)
        .header('etag', etag)
        .header('vary', 'accept-encoding')
        .header('x-content-type-options', 'nosniff')
        // The page asks for ?v=<content hash>, so a versioned URL never changes meaning.
        .header('cache-control', request.query.v === asset.version ? 'public, max-age=31536000, immutable' : 'no-cache');
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
      return reply.send(asset.body);
    },
  );

  app.get(
    '/dashboard/api/overview',
    {
      onRequest: requireApiKey,
      schema: {
        summary: 'Dashboard overview: queue depths, DLQ size, orders by status, circuit breakers, connections',
        description: 'Breakers are per process: these are the ones of the API process that answered.',
        tags: ['dashboard'],
        security: [{ apiKey: [] }],
        response: { 200: overviewSchema, 401: errorView },
      },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return collectOverview(opts.pool);
    },
  );
};
