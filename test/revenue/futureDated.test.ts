/**
 * A COLLECTED payment an upstream dates in the future (a HubSpot deal marked won with a close
 * date still to come) is counted on the date the upstream gave it: its day's bucket holds it,
 * a range ending today leaves it out, and the stored row keeps the upstream's date.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDb } from '../helpers/testResources.ts';
import { API_HEADERS, buildTestApp } from '../helpers/app.ts';
import type { App } from '../../src/http/index.ts';
import type { PaymentRow } from '../../src/connectors/index.ts';
import { createHubspotNormalizer } from '../../src/connectors/hubspot/normalize.ts';
import { revenueRoutes } from '../../src/revenue/index.ts';
import { upsertPayments } from './reference.ts';

const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('revenue: a won deal dated in the future', () => {
  const db = useTestDb({ poolMax: 4 });
  let app: App;
  const now = Date.now();
  const today = utcDate(now);
  const closeDay = utcDate(now + 10 * DAY);
  before(async () => {
    app = db.closeLater(await buildTestApp(db.pool));
    await app.register(revenueRoutes, { pool: db.pool });
    await app.ready();
    const { normalize } = createHubspotNormalizer();
    const deal = (id: string, closedate: string) => ({
      id,
      properties: { amount: id === 'future' ? '1000.00' : '250', dealstage: 'closedwon', closedate, createdate: new Date(now - 30 * DAY).toISOString(), hs_lastmodifieddate: new Date(now).toISOString(), deal_currency_code: 'USD' },
    });
    const rows = [deal('future', `${closeDay}T12:00:00.000Z`), deal('past', new Date(now - 2 * DAY).toISOString())].map((d) => normalize('deal', d)[0]!.row as PaymentRow);
    await upsertPayments(db.pool, rows.map((r) => ({ source: 'hubspot', externalId: r.externalId, kind: 'charge', status: r.status as 'COLLECTED', amountCents: BigInt(r.amountCents), refundedCents: BigInt(r.refundedCents), currency: r.currency, occurredAt: new Date(r.occurredAt) })));
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: API_HEADERS });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };

  it('keeps the upstream close date on the payment (no clamping to the sync time)', async () => {
    const { rows } = await db.pool.query<{ status: string; occurred_at: Date }>("SELECT status, occurred_at FROM payments WHERE external_id = 'future'");
    assert.deepEqual(rows.map((r) => [r.status, r.occurred_at.toISOString()]), [['COLLECTED', `${closeDay}T12:00:00.000Z`]]);
  });

  it('counts it in the bucket of its close date, and in an open-ended total', async () => {
    const daily = await get('/metrics/revenue/daily');
    assert.deepEqual(daily.breakdown.map((b: { date: string; amountCents: string }) => [b.date, b.amountCents]), [[utcDate(now - 2 * DAY), '25000'], [closeDay, '100000']]);
    assert.equal((await get('/metrics/revenue/summary')).totalRevenueCents, '125000');
    assert.equal((await get(`/metrics/revenue/summary?startDate=${closeDay}&endDate=${closeDay}`)).totalRevenueCents, '100000');
  });

  it('leaves it out of revenue to date (endDate = today)', async () => {
    const toDate = await get(`/metrics/revenue/summary?endDate=${today}`);
    assert.equal(toDate.totalRevenueCents, '25000');
    assert.equal(toDate.count, 1);
  });
});
