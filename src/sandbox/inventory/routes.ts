/**
 * The inventory service's API: stock lookups and all-or-nothing reservations, idempotent by
 * orderId. A refusal is a 409 `{available:false, productId, requested, inStock, reason}` with
 * reason `out_of_stock` or `unknown_product`; injected failures (`INVENTORY_FAILURE_RATE`) are
 * 503s from the fault hook.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { stockOf } from './data.ts';
import type { InventoryState } from './state.ts';

const reserveBody = z.object({
  orderId: z.string().min(1),
  items: z.array(z.object({ productId: z.string().min(1), quantity: z.number().int().min(1) })).min(1),
});
const releaseBody = z.object({ orderId: z.string().min(1) });

/** Register the inventory routes on `app`. */
export function registerInventoryRoutes(app: FastifyInstance, deps: { state: () => InventoryState }): void {
  app.get('/inventory', async () => ({ products: [...deps.state().stock].map(([productId, available]) => ({ productId, available })) }));

  app.get<{ Params: { productId: string } }>('/inventory/:productId', async (req, reply) => {
    const available = stockOf(deps.state().stock, req.params.productId);
    if (available === undefined) return reply.code(404).send({ error: 'product_not_found', productId: req.params.productId });
    return { productId: req.params.productId, available };
  });

  app.post('/inventory/reserve', async (req, reply) => {
    const parsed = reserveBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_request', message: z.prettifyError(parsed.error) });
    const { replayed, result } = deps.state().reserve(parsed.data.orderId, parsed.data.items);
    if (replayed) void reply.header('Idempotent-Replayed', 'true');
    return reply.code(result.available ? 200 : 409).send(result);
  });

  app.post('/inventory/release', async (req, reply) => {
    const parsed = releaseBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_request', message: z.prettifyError(parsed.error) });
    const { orderId } = parsed.data;
    const r = deps.state().release(orderId);
    if (!r.found) return reply.code(404).send({ released: false, orderId, reason: 'not_found' });
    if (!r.released) return { released: false, orderId, reason: r.status === 'released' ? 'already_released' : 'not_reserved' };
    return { released: true, orderId, items: r.items };
  });
}
