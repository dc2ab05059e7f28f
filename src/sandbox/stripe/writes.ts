/**
 * Stripe's write calls, as the `stripe` package's `charges.create` and `refunds.create` send them
 * (form-encoded). `POST /v1/charges` with a test token source (`tok_visa`, …) or a customer
 * creates a succeeded charge and emits `charge.succeeded`; the decline tokens
 * (`tok_chargeDeclined`, `…InsufficientFunds`, `…ExpiredCard`) create a failed charge, emit
 * `charge.failed` and answer 402 `card_error`. `POST /v1/refunds` (`charge` or `payment_intent`,
 * `amount` optional → the rest of the charge) creates a succeeded refund and emits `refund.created`
 * and `charge.refunded`, as the simulator's own refunds do. Both honour `Idempotency-Key`
 * (./idempotency.ts). Events carry `request: { id, idempotency_key }`. Vendor facts:
 * docs/upstreams.md (Stripe).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cardFor, makeCharge, NO_ADDRESS, outcomeFor, renderCharge, stripeId, type ChargeStatus } from './data.ts';
import { createIdempotencyKeys, type KeptAnswer } from './idempotency.ts';
import { apiKeyFrom } from './routes.ts';
import type { ApiRequest, StripeState } from './state.ts';
import { parseChargeParams, parseRefundParams, type ChargeParams } from './writeParams.ts';

/** What the write routes need from the simulator. */
export interface StripeWriteDeps {
  /** The world of the account the request acts as. */
  world: (req: FastifyRequest) => StripeState;
  /** Simulated time (ms). */
  now: () => number;
}

type Form = Record<string, string | string[] | undefined>;
/** What a handler decided: an answer that ran (kept under an idempotency key) or a refusal before it ran. */
type Outcome = KeptAnswer & { ran: boolean };

// Stripe's test tokens that decline, with the charge's failure_code, the error's decline_code and message.
const DECLINES: Record<string, { code: string; decline: string; message: string }> = {
  tok_chargeDeclined: { code: 'card_declined', decline: 'generic_decline', message: 'Your card was declined.' },
  tok_chargeDeclinedInsufficientFunds: { code: 'card_declined', decline: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  tok_chargeDeclinedExpiredCard: { code: 'expired_card', decline: 'expired_card', message: 'Your card has expired.' },
};

function money(minor: number, currency: string): string {
  return `${currency === 'usd' ? '$' : `${currency.toUpperCase()} `}${(minor / 100).toFixed(2)}`;
}

const refused = (status: number, error: Record<string, unknown>): Outcome => ({ ran: false, status, body: { error } });
const paramError = (e: { param: string; message: string; code?: string }): Outcome =>
  refused(400, { type: 'invalid_request_error', message: e.message, param: e.param, ...(e.code ? { code: e.code, doc_url: `https://stripe.com/docs/error-codes/${e.code.replace(/_/g, '-')}` } : {}) });
const noSuch = (noun: string, id: string, param: string): Outcome =>
  refused(404, { type: 'invalid_request_error', code: 'resource_missing', doc_url: 'https://stripe.com/docs/error-codes/resource-missing', message: `No such ${noun}: '${id}'`, param });

/** Register `POST /v1/charges` and `POST /v1/refunds`. */
export function registerStripeWrites(app: FastifyInstance, deps: StripeWriteDeps): void {
  const keys = createIdempotencyKeys(deps.now);

  /** Run `handler` under the request's Idempotency-Key, if any, and send its answer. */
  const idempotent = (req: FastifyRequest, reply: FastifyReply, handler: (form: Form, request: ApiRequest) => Outcome) => {
    const form = (req.body ?? {}) as Form;
    const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : undefined;
    const scope = apiKeyFrom(req.headers.authorization) ?? '';
    const fingerprint = { path: req.routeOptions.url, form };
    if (key !== undefined) {
      void reply.header('idempotency-key', key);
      const verdict = keys.check(scope, key, fingerprint);
      if (verdict.kind === 'mismatch') {
        return reply.code(400).send({
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
          },
        });
      }
      if (verdict.kind === 'replay') return reply.code(verdict.answer.status).header('idempotent-replayed', 'true').send(verdict.answer.body);
    }
    const requestId = reply.getHeader('request-id');
    const out = handler(form, { id: typeof requestId === 'string' ? requestId : null, idempotency_key: key ?? null });
    if (key !== undefined && out.ran) keys.keep(scope, key, fingerprint, { status: out.status, body: out.body });
    return reply.code(out.status).send(out.body);
  };

  const createCharge = (world: StripeState, p: ChargeParams, request: ApiRequest): Outcome => {
    const atMs = deps.now();
    const decline = p.source ? DECLINES[p.source] : undefined;
    const status: ChargeStatus = decline ? 'failed' : 'succeeded';
    const charge = makeCharge(world.writeRng, Math.floor(atMs / 1000), status);
    Object.assign(charge, {
      amount: p.amount,
      amount_captured: status === 'succeeded' ? p.amount : 0,
      billing_details: { address: NO_ADDRESS, email: null, name: null, phone: null, tax_id: null },
      currency: p.currency,
      customer: p.customer,
      description: p.description,
      failure_code: decline?.code ?? null,
      failure_message: decline?.message ?? null,
      metadata: p.metadata,
      outcome: outcomeFor(status, charge.id),
      payment_intent: null, // the Charges API creates no PaymentIntent
      payment_method: stripeId(world.writeRng, 'card'),
      payment_method_details: { card: cardFor(charge.id, p.amount, status), type: 'card' },
      receipt_email: p.receiptEmail,
    });
    const rec = world.addCharge(charge, atMs, request);
    const body = renderCharge(rec.charge, undefined);
    if (!decline) return { ran: true, status: 200, body };
    return {
      ran: true,
      status: 402,
      body: { error: { type: 'card_error', code: decline.code, decline_code: decline.decline, message: decline.message, charge: charge.id, doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}` } },
    };
  };

  app.post('/v1/charges', async (req, reply) =>
    idempotent(req, reply, (form, request) => {
      const parsed = parseChargeParams(form);
      return parsed.ok ? createCharge(deps.world(req), parsed.params, request) : paramError(parsed.error);
    }),
  );

  app.post('/v1/refunds', async (req, reply) =>
    idempotent(req, reply, (form, request) => {
      const parsed = parseRefundParams(form);
      if (!parsed.ok) return paramError(parsed.error);
      const p = parsed.params;
      const world = deps.world(req);
      const rec = p.charge ? world.charges.get(p.charge) : world.charges.all().find((r) => r.charge.payment_intent === p.paymentIntent);
      if (!rec) return p.charge ? noSuch('charge', p.charge, 'charge') : noSuch('payment_intent', p.paymentIntent ?? '', 'payment_intent');
      const c = rec.charge;
      if (p.paymentIntent && c.payment_intent !== p.paymentIntent) {
        return paramError({ param: 'payment_intent', message: `Charge ${c.id} does not belong to PaymentIntent ${p.paymentIntent}.` });
      }
      if (c.status !== 'succeeded') return paramError({ param: 'charge', message: `Charge ${c.id} has not succeeded, so it cannot be refunded.` });
      const remaining = c.amount - c.amount_refunded;
      if (remaining <= 0) return paramError({ param: 'charge', message: `Charge ${c.id} has already been refunded.`, code: 'charge_already_refunded' });
      const amount = p.amount ?? remaining;
      if (amount > remaining) {
        return paramError({ param: 'amount', message: `Refund amount (${money(amount, c.currency)}) is greater than unrefunded amount on charge (${money(remaining, c.currency)})`, code: 'amount_too_large' });
      }
      const refund = world.refundByApi(rec, amount, { reason: p.reason, metadata: p.metadata }, deps.now(), request);
      return { ran: true, status: 200, body: structuredClone(refund) };
    }),
  );
}
