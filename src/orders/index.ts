/**
 * Orders (docs/architecture.md#data-flow-orders): the order API with JWT auth, exact prices, breaker-guarded
 * inventory reservation and a transactional outbox; the fulfillment and status consumers;
 * the order/peak-hours scripts.
 */
export { orderRoutes, inventoryFromConfig, type OrderRoutesOptions } from './orderRoutes.ts';
export { createOrderWorkers, handleStatusJob, type OrderWorkers, type OrderWorkerDeps } from './createOrderWorkers.ts';
export { handleFulfillmentJob, FULFILLMENT_CONSUMER, type FulfillmentTiming } from './fulfillOrder.ts';
export { applyStatusEvent, STATUS_CONSUMER, type StatusOutcome } from './applyStatusEvent.ts';
export { createOrder, type CreateOrderDeps } from './createOrder.ts';
export { insertOrder, orderWriteStatements, ORDER_CURRENCY, type PricedLine } from './insertOrder.ts';
export { readOrder } from './readOrder.ts';
export { createInventoryClient, type InventoryClient, type ReserveLine } from './reserveInventory.ts';
export { createJwtVerifier, requireJwt, type JwtSettings, type JwtVerifier } from './verifyJwt.ts';
export { signDevToken } from './signDevToken.ts';
export { tryParsePrice, parsePriceCents, formatCents, MAX_PRICE_CENTS } from './parsePrice.ts';
export { ORDER_STATUSES, INITIAL_STATUS, statusRank, isForward, applyTransition, isOrderStatus, type OrderStatus } from './orderStatus.ts';
export { ORDER_QUEUES, FULFILLMENT_QUEUE, STATUS_QUEUE, SUBSCRIPTIONS, newOrderEvent, publishOrderEvent, type OrderEvent, type OrderEventType } from './orderEvents.ts';
export { createOrderBody, orderView, orderWithHistoryView, type CreateOrderBody, type OrderView, type OrderWithHistoryView } from './orderSchemas.ts';
export { collectOrderMetrics, countOrdersByStatus, type OrderMetrics } from './collectOrderMetrics.ts';
export { createRequestWindow, percentile, type RequestWindow } from './requestWindow.ts';
export { purgeProcessedEvents } from './purgeProcessedEvents.ts';
