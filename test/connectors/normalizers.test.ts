import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { formatMinor, minorUnitExponent, MoneyFormatError, numberToMinor, parseDecimalToMinor } from '../../src/connectors/money.ts';
import { chargeStatus, refundStatus } from '../../src/connectors/stripe/statusMap.ts';
import { dealStatus } from '../../src/connectors/hubspot/statusMap.ts';
import { normalizeStripe, unmappedStripeStatus } from '../../src/connectors/stripe/normalize.ts';
import { createHubspotNormalizer } from '../../src/connectors/hubspot/normalize.ts';
import { createGcalNormalizer } from '../../src/connectors/gcal/normalize.ts';
import { normalizeAdplatform } from '../../src/connectors/adplatform/normalize.ts';
import { NormalizeError, type CalendarEventRow, type CampaignRow, type ContactRow, type PaymentRow } from '../../src/connectors/contract.ts';

/** Asserts fn throws a ZodError with an issue at `path`. */
function throwsZodAt(fn: () => unknown, path: (string | number)[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof z.ZodError, `expected a ZodError, got ${String(err)}`);
    assert.ok(err.issues.some((i) => JSON.stringify(i.path) === JSON.stringify(path)), `issues: ${JSON.stringify(err.issues.map((i) => i.path))}`);
    return true;
  });
}

describe('exact money parsing', () => {
  it('parse(format(n)) === n for any non-negative bigint and exponent', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.constantFrom(0, 2, 3), (n, exp) => parseDecimalToMinor(formatMinor(n, exp), exp) === n),
    );
  });

  it('parses HubSpot-style strings exactly, including past 2^53', () => {
    assert.equal(parseDecimalToMinor('1500.50', 2), 150050n);
    assert.equal(parseDecimalToMinor('1500.5', 2), 150050n);
    assert.equal(parseDecimalToMinor('1500', 2), 150000n);
    assert.equal(parseDecimalToMinor('0.07', 2), 7n);
    assert.equal(parseDecimalToMinor('1500.500', 2), 150050n, 'trailing zeros past the exponent are exact');
    assert.equal(parseDecimalToMinor('12345678901234567890.12', 2), 1234567890123456789012n);
    assert.equal(parseDecimalToMinor('1500', minorUnitExponent('JPY')), 1500n);
    assert.equal(parseDecimalToMinor('1.234', minorUnitExponent('KWD')), 1234n);
  });

  it('rejects anything that is not a plain non-negative decimal with a clear message', () => {
    for (const bad of ['12,34x', '1,500.00', '1e3', '.5', '1500.', '-5', '-0', ' 15', 'NaN', '', '0x10', '١٢']) {
      assert.throws(() => parseDecimalToMinor(bad, 2), (e: Error) => e instanceof MoneyFormatError && e.message.includes(JSON.stringify(bad)), bad);
    }
    assert.throws(() => parseDecimalToMinor('1.234', 2), /more than 2 decimal places/);
    assert.throws(() => parseDecimalToMinor('1500.5', minorUnitExponent('JPY')), /more than 0 decimal places/);
    assert.throws(() => parseDecimalToMinor('-5', 2), /negative/);
  });

  it('turns JSON numbers into minor units through their decimal form, never float arithmetic', () => {
    assert.equal(numberToMinor(1234.56, 2), 123456n);
    assert.equal(numberToMinor(0.29, 2), 29n, '0.29 * 100 would be 28.999…');
    assert.equal(numberToMinor(500, 2), 50000n);
    assert.throws(() => numberToMinor(0.1 + 0.2, 2), MoneyFormatError);
    assert.throws(() => numberToMinor(-1, 2), /negative/);
    assert.throws(() => numberToMinor(1e21, 2), MoneyFormatError);
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (cents) => numberToMinor(Number(formatMinor(BigInt(cents), 2)), 2) === BigInt(cents)));
  });
});

describe('status allow-lists', () => {
  const charge = { status: 'succeeded', captured: true, refunded: false, amount: 1000, amountRefunded: 0 };
  it('stripe charges', () => {
    assert.equal(chargeStatus(charge), 'COLLECTED');
    assert.equal(chargeStatus({ ...charge, amountRefunded: 300 }), 'COLLECTED');
    assert.equal(chargeStatus({ ...charge, amountRefunded: 1000, refunded: true }), 'REFUNDED');
    assert.equal(chargeStatus({ ...charge, captured: false }), 'PENDING');
    assert.equal(chargeStatus({ ...charge, status: 'pending' }), 'PENDING');
    assert.equal(chargeStatus({ ...charge, status: 'failed' }), 'FAILED');
    assert.equal(chargeStatus({ ...charge, status: 'requires_capture' }), 'UNKNOWN');
  });
  it('stripe refunds', () => {
    assert.equal(refundStatus('succeeded'), 'REFUNDED');
    assert.equal(refundStatus('pending'), 'PENDING');
    assert.equal(refundStatus('canceled'), 'FAILED');
    assert.equal(refundStatus('toString'), 'UNKNOWN');
  });
  it('hubspot deal stages', () => {
    assert.equal(dealStatus('closedwon'), 'COLLECTED');
    assert.equal(dealStatus('closedlost'), 'FAILED');
    for (const s of ['appointmentscheduled', 'qualifiedtobuy', 'presentationscheduled', 'decisionmakerboughtin', 'contractsent']) assert.equal(dealStatus(s), 'PENDING');
    assert.equal(dealStatus('1234567'), 'UNKNOWN');
    assert.equal(dealStatus('__proto__'), 'UNKNOWN');
  });
});

const stripeCharge = {
  id: 'ch_1', object: 'charge', amount: 5000, amount_refunded: 0, captured: true, refunded: false, currency: 'usd', status: 'succeeded', created: 1_700_000_000, customer: 'cus_1',
};

describe('stripe normalizer', () => {
  it('charge → payment row (currency upper-cased, amounts as exact strings)', () => {
    const [rec] = normalizeStripe('charge', stripeCharge);
    const row = rec!.row as PaymentRow;
    assert.deepEqual(row, {
      source: 'stripe', externalId: 'ch_1', kind: 'charge', status: 'COLLECTED', rawStatus: 'succeeded', amountCents: '5000', refundedCents: '0', currency: 'USD',
      occurredAt: '2023-11-14T22:13:20.000Z', customerRef: 'cus_1', parentExternalId: null, sourceUpdatedAt: null,
      // A listed charge has no version of its own: the connector stamps the time of the read.
      sourceVersion: null,
    });
  });
  it('partial and full refunds', () => {
    const partial = normalizeStripe('charge', { ...stripeCharge, amount_refunded: 1200 })[0]!.row as PaymentRow;
    assert.equal(partial.status, 'COLLECTED');
    assert.equal(partial.refundedCents, '1200');
    const full = normalizeStripe('charge', { ...stripeCharge, amount_refunded: 5000, refunded: true })[0]!.row as PaymentRow;
    assert.equal(full.status, 'REFUNDED');
    assert.equal(full.refundedCents, '5000');
  });
  it('refund → payment row of kind refund belonging to its charge', () => {
    const row = normalizeStripe('refund', { id: 're_1', object: 'refund', amount: 700, charge: 'ch_1', currency: 'eur', status: 'succeeded', created: 1_700_000_100 })[0]!.row as PaymentRow;
    assert.equal(row.kind, 'refund');
    assert.equal(row.parentExternalId, 'ch_1');
    assert.equal(row.status, 'REFUNDED');
    assert.equal(row.currency, 'EUR');
  });
  it('event → its data.object, stamped with the event time', () => {
    const row = normalizeStripe('event', { id: 'evt_1', object: 'event', type: 'charge.refunded', created: 1_700_000_500, data: { object: { ...stripeCharge, amount_refunded: 5000, refunded: true } } })[0]!.row as PaymentRow;
    assert.equal(row.status, 'REFUNDED');
    assert.equal(row.sourceUpdatedAt, '2023-11-14T22:21:40.000Z');
    assert.equal(row.sourceVersion, '0001700000500999:evt_1', 'created (at the end of its second) + event id');
    assert.deepEqual(normalizeStripe('event', { id: 'evt_2', object: 'event', type: 'customer.created', created: 1, data: { object: { object: 'customer', id: 'cus_1' } } }), []);
  });
  it('unmapped statuses become UNKNOWN and are reported', () => {
    const odd = { ...stripeCharge, status: 'requires_capture' };
    assert.equal((normalizeStripe('charge', odd)[0]!.row as PaymentRow).status, 'UNKNOWN');
    assert.equal(unmappedStripeStatus('charge', odd), 'requires_capture');
    assert.equal(unmappedStripeStatus('charge', stripeCharge), null);
    assert.equal(unmappedStripeStatus('charge', { broken: true }), null);
  });
  it('poison records throw a ZodError naming the field', () => {
    throwsZodAt(() => normalizeStripe('charge', { ...stripeCharge, amount: 'abc' }), ['amount']);
    throwsZodAt(() => normalizeStripe('charge', { ...stripeCharge, currency: undefined }), ['currency']);
    throwsZodAt(() => normalizeStripe('charge', { ...stripeCharge, created: 'yesterday' }), ['created']);
    throwsZodAt(() => normalizeStripe('charge', { ...stripeCharge, amount: 10.5 }), ['amount']);
    throwsZodAt(() => normalizeStripe('event', { id: 'evt_1', object: 'event', type: 'charge.succeeded', created: 1, data: { object: { ...stripeCharge, status: undefined } } }), ['data', 'object', 'status']);
    assert.throws(() => normalizeStripe('payout', {}), NormalizeError);
  });
});

describe('hubspot normalizer', () => {
  const { normalize, unmappedStatus } = createHubspotNormalizer();
  const deal = (props: Record<string, string | null>) => ({
    id: '42',
    properties: { amount: '1500.50', dealstage: 'closedwon', closedate: '2024-03-01T10:00:00Z', createdate: '2024-02-01T09:00:00.000Z', hs_lastmodifieddate: '2024-03-01T10:00:01Z', deal_currency_code: 'EUR', ...props },
  });
  it('a won deal is a collected payment dated on its close date, amount exact', () => {
    const row = normalize('deal', deal({}))[0]!.row as PaymentRow;
    assert.equal(row.status, 'COLLECTED');
    assert.equal(row.amountCents, '150050');
    assert.equal(row.currency, 'EUR');
    assert.equal(row.occurredAt, '2024-03-01T10:00:00.000Z');
    assert.equal(row.sourceUpdatedAt, '2024-03-01T10:00:01.000Z');
  });
  it('an open deal is pending and dated on its creation; currency defaults to USD; blank amount is 0; JPY has no decimals', () => {
    const row = normalize('deal', deal({ dealstage: 'contractsent', deal_currency_code: null, amount: '' }))[0]!.row as PaymentRow;
    assert.equal(row.status, 'PENDING');
    assert.equal(row.occurredAt, '2024-02-01T09:00:00.000Z');
    assert.equal(row.currency, 'USD');
    assert.equal(row.amountCents, '0');
    assert.equal((normalize('deal', deal({ deal_currency_code: 'JPY', amount: '1500' }))[0]!.row as PaymentRow).amountCents, '1500');
    throwsZodAt(() => normalize('deal', deal({ deal_currency_code: 'JPY', amount: '1500.5' })), ['properties', 'amount']);
    assert.equal((createHubspotNormalizer({ defaultCurrency: 'gbp' }).normalize('deal', deal({ deal_currency_code: null }))[0]!.row as PaymentRow).currency, 'GBP');
  });
  it('custom stages are UNKNOWN and reported', () => {
    assert.equal((normalize('deal', deal({ dealstage: '1234567' }))[0]!.row as PaymentRow).status, 'UNKNOWN');
    assert.equal(unmappedStatus('deal', deal({ dealstage: '1234567' })), '1234567');
    assert.equal(unmappedStatus('deal', deal({})), null);
  });
  it('poison deals and contacts throw a ZodError naming the field', () => {
    throwsZodAt(() => normalize('deal', deal({ amount: '12,34x' })), ['properties', 'amount']);
    throwsZodAt(() => normalize('deal', deal({ amount: '-5' })), ['properties', 'amount']);
    throwsZodAt(() => normalize('deal', deal({ dealstage: null })), ['properties', 'dealstage']);
    throwsZodAt(() => normalize('deal', deal({ closedate: 'next tuesday' })), ['properties', 'closedate']);
    throwsZodAt(() => normalize('contact', { id: '7', properties: { email: 'not-an-email' } }), ['properties', 'email']);
    throwsZodAt(() => normalize('contact', { id: '7', properties: { createdate: 'sometime' } }), ['properties', 'createdate']);
  });
  it('contact → contact row', () => {
    const row = normalize('contact', { id: '7', properties: { email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', lifecyclestage: 'customer', lastmodifieddate: '2024-01-01T00:00:00Z' } })[0]!.row as ContactRow;
    assert.deepEqual(row, { source: 'hubspot', externalId: '7', email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', phone: null, company: null, lifecycleStage: 'customer', sourceUpdatedAt: '2024-01-01T00:00:00.000Z', sourceVersion: '0001704067200000' });
  });
});

describe('gcal normalizer', () => {
  const { normalize } = createGcalNormalizer('primary');
  it('timed and all-day events', () => {
    const timed = normalize('event', { id: 'e1', status: 'confirmed', summary: 'Standup', start: { dateTime: '2024-05-01T09:00:00+02:00' }, end: { dateTime: '2024-05-01T09:15:00+02:00' }, updated: '2024-04-30T12:00:00.000Z' })[0]!.row as CalendarEventRow;
    assert.equal(timed.startsAt, '2024-05-01T07:00:00.000Z');
    assert.equal(timed.allDay, false);
    assert.equal(timed.calendarId, 'primary');
    const allDay = normalize('event', { id: 'e2', status: 'tentative', start: { date: '2024-05-02' }, end: { date: '2024-05-03' } })[0]!.row as CalendarEventRow;
    assert.equal(allDay.allDay, true);
    assert.equal(allDay.startsAt, '2024-05-02T00:00:00.000Z');
    assert.equal(allDay.summary, '', 'a live event without a title has an empty summary, not null');
  });
  it('a cancellation carrying only the id keeps stored fields (nulls)', () => {
    const row = normalize('event', { id: 'e1', status: 'cancelled' })[0]!.row as CalendarEventRow;
    assert.deepEqual(row, { source: 'gcal', externalId: 'e1', calendarId: 'primary', status: 'cancelled', summary: null, startsAt: null, endsAt: null, allDay: null, sourceUpdatedAt: null, sourceVersion: null, deleted: true, deletedAt: null });
  });
  it('poison events throw a ZodError naming the field', () => {
    throwsZodAt(() => normalize('event', { id: 'e3', status: 'confirmed', end: { date: '2024-05-03' } }), ['start']);
    throwsZodAt(() => normalize('event', { id: 'e3', status: 'confirmed', start: { dateTime: 'tomorrow-ish' }, end: { date: '2024-05-03' } }), ['start', 'dateTime']);
  });
});

describe('adplatform normalizer', () => {
  const campaign = { id: 'campaign_1', name: 'Spring Sale 1', status: 'active', budget: 12345.67, impressions: 1000, clicks: 50, conversions: 3, created_at: '2024-01-01T00:00:00.000Z' };
  it('campaign → campaign row with an exact budget', () => {
    const row = normalizeAdplatform('campaign', campaign)[0]!.row as CampaignRow;
    assert.equal(row.budgetCents, '1234567');
    assert.equal(row.createdAt, '2024-01-01T00:00:00.000Z');
  });
  it('sync results and failures', () => {
    assert.deepEqual(normalizeAdplatform('campaign_sync', { campaign_id: 'campaign_1', synced_at: '2024-01-02T00:00:00.000Z' }), [
      { table: 'campaign_syncs', row: { source: 'adplatform', externalId: 'campaign_1', syncedAt: '2024-01-02T00:00:00.000Z' } },
    ]);
    assert.deepEqual(normalizeAdplatform('campaign_sync_failed', { campaign_id: 'campaign_1', error: 'x', failed_at: '2024-01-02T00:00:00.000Z' }), []);
  });
  it('poison campaigns (the simulator\'s four kinds) throw a ZodError naming the field', () => {
    throwsZodAt(() => normalizeAdplatform('campaign', { ...campaign, budget: 'n/a' }), ['budget']);
    throwsZodAt(() => normalizeAdplatform('campaign', { ...campaign, name: undefined }), ['name']);
    throwsZodAt(() => normalizeAdplatform('campaign', { ...campaign, created_at: 'yesterday' }), ['created_at']);
    throwsZodAt(() => normalizeAdplatform('campaign', { ...campaign, impressions: -1 }), ['impressions']);
  });
});
