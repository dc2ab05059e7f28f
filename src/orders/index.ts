/**
 * Orders (docs/architecture.md#data-flow-orders): the order API with JWT auth, exact prices, breaker-guarded
 * inventory reservation and a transactional outbox; the fulfillment and status consumers;
 * the order/peak-hours scripts.
 */
export { orderRoutes } from './orderRoutes.ts';
export { createOrderWorkers, type OrderWorkers } from './createOrderWorkers.ts';

export { applyStatusEvent } from './applyStatusEvent.ts';

export { insertOrder, orderWriteStatements } from './insertOrder.ts';

export { createJwtVerifier } from './verifyJwt.ts';
export { signDevToken } from './signDevToken.ts';
export { tryParsePrice, formatCents, MAX_PRICE_CENTS } from './parsePrice.ts';
export { ORDER_STATUSES, statusRank, isForward, applyTransition, type OrderStatus } from './orderStatus.ts';
export { FULFILLMENT_QUEUE, STATUS_QUEUE, newOrderEvent, type OrderEvent, type OrderEventType } from './orderEvents.ts';

export { countOrdersByStatus } from './collectOrderMetrics.ts';
export { createRequestWindow, percentile } from './requestWindow.ts';
export { purgeProcessedEvents } from './purgeProcessedEvents.ts';
