/**
 * The delivery worker: a leased worker on the webhook queue (an HTTP call must not hold a
 * transaction). Each attempt opens the subscription's secret, signs the stored body with a fresh
 * timestamp and POSTs it; 2xx → delivered; anything else → the queue retries with backoff, and
 * after WEBHOOK_MAX_ATTEMPTS the job goes to the dead letters (a DLQ replay sends it again).
 * A refused address and 410 Gone fail the delivery at once; 410 also disables the subscription.
 * A delivery whose subscription was deleted is dropped without a request.
 */
import type { Config } from '../config.ts';
import type { Pool } from '../db/index.ts';
import type { SecretBox } from '../connections/index.ts';
import type { Logger } from '../log.ts';
import { packageVersion } from '../packageRoot.ts';
import { createLeasedWorker, PermanentError, systemClock, type BackoffOptions, type Clock, type Job, type Worker } from '../queue/index.ts';
import { ForbiddenAddressError } from './addressPolicy.ts';
import { markDeliveryDead, outgoingDelivery, recordAttempt } from './deliveries.ts';
import { WEBHOOK_QUEUE, type DeliveryJob } from './emitWebhookEvent.ts';
import { createDeliveryDispatcher, postSigned, scrubExcerpt } from './postSigned.ts';
import { disableSubscription } from './subscriptions.ts';

/** Retry delays of failed deliveries: 10 s doubling to 1 h, full jitter. */
export const WEBHOOK_BACKOFF: BackoffOptions = Object.freeze({ baseMs: 10_000, maxMs: 3_600_000 });

/** Dependencies of {@link createWebhookWorker}. */
export interface WebhookWorkerDeps {
  pool: Pool;
  config: Pick<Config, 'webhooks'>;
  /** Opens the subscriptions' secrets; without one (no BUFFALO_SECRET_KEY) deliveries wait and retry. */
  box: SecretBox | undefined;
  logger: Logger;
  clock?: Clock;
  backoff?: BackoffOptions;
  random?: () => number;
  pollIntervalMs?: number;
}

/** A failed attempt that another attempt may fix (5xx, timeout, connection refused…). */
class DeliveryFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryFailedError';
  }
}

const USER_AGENT = `Buffalo-Webhooks/${packageVersion()}`;

/** The worker of the webhook queue; `runOnce()` for tests, `start()`/`stop()` for the process. */
export function createWebhookWorker(deps: WebhookWorkerDeps): Worker {
  const { pool, logger } = deps;
  const settings = deps.config.webhooks;
  const clock = deps.clock ?? systemClock;
  const dispatcher = createDeliveryDispatcher(settings.allowPrivateUrls);

  async function handle(job: Job<DeliveryJob>): Promise<void> {
    const delivery = await outgoingDelivery(pool, job.payload.deliveryId);
    if (!delivery) {
      logger.info({ deliveryId: job.payload.deliveryId }, 'webhook delivery dropped: its subscription was deleted');
      return;
    }
    if (delivery.subscriptionStatus !== 'active') {
      const why = `subscription disabled: ${delivery.statusReason ?? 'no reason recorded'}`;
      await markDeliveryDead(pool, delivery.id, why);
      throw new PermanentError(why);
    }
    if (!deps.box) throw new DeliveryFailedError('cannot open the signing secret: BUFFALO_SECRET_KEY is not set');
    const secret = deps.box.open(delivery.secretSealed, delivery.subscriptionId);
    const last = job.attempts >= Math.min(settings.maxAttempts, job.maxAttempts);
    let httpStatus: number | null = null;
    let failure: Error;
    try {
      const outcome = await postSigned({
        url: delivery.url, body: delivery.body, secret, eventId: job.payload.eventId, nowMs: clock.now(),
        timeoutMs: settings.timeoutMs, userAgent: USER_AGENT, allowPrivate: settings.allowPrivateUrls, dispatcher,
      });
      httpStatus = outcome.httpStatus;
      if (httpStatus >= 200 && httpStatus < 300) {
        await recordAttempt(pool, delivery.id, { status: 'delivered', httpStatus, error: null });
        return;
      }
      const message = `HTTP ${httpStatus}${outcome.excerpt ? `: ${outcome.excerpt}` : ''}`;
      failure = httpStatus === 410 ? new PermanentError(`${message} (the receiver is gone; subscription disabled)`) : new DeliveryFailedError(message);
    } catch (err) {
      const refused = forbiddenIn(err);
      failure = refused ? new PermanentError(refused.message) : new DeliveryFailedError(describeNetworkError(err as Error));
    }
    const permanent = (failure as { permanent?: boolean }).permanent === true;
    const error = scrubExcerpt(failure.message).slice(0, 300);
    await recordAttempt(pool, delivery.id, { status: permanent || last ? 'dead' : 'failed', httpStatus, error });
    if (httpStatus === 410) await disableSubscription(pool, delivery.subscriptionId, `receiver answered 410 Gone at ${new Date(clock.now()).toISOString()}`);
    // The operator's limit can be lower than the queue's ceiling: then the worker ends it here.
    if (last && !permanent && job.attempts < job.maxAttempts) throw new PermanentError(`gave up after ${job.attempts} attempts: ${error}`);
    throw failure;
  }

  const worker = createLeasedWorker<DeliveryJob>({
    pool,
    queue: WEBHOOK_QUEUE,
    handle,
    leaseMs: settings.timeoutMs + 30_000,
    backoff: deps.backoff ?? WEBHOOK_BACKOFF,
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.pollIntervalMs ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    logger,
    clock,
  });
  return {
    queue: worker.queue,
    runOnce: () => worker.runOnce(),
    start: () => worker.start(),
    stop: async () => {
      await worker.stop();
      await dispatcher.close();
    },
  };
}

// The lookup's refusal reaches us as the socket's error, possibly wrapped by undici.
function forbiddenIn(err: unknown): ForbiddenAddressError | null {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ForbiddenAddressError) return e;
  }
  return null;
}

// undici nests the socket's error (ECONNREFUSED, ENOTFOUND…) as the cause of a generic one.
function describeNetworkError(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = (err as { code?: string }).code ?? cause?.code;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'timed out waiting for the receiver';
  return `${code ? `${code}: ` : ''}${cause?.message ?? err.message}`;
}
