import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { auth, calendar, type calendar_v3 } from '@googleapis/calendar';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startGcalSimulator, type GcalSimState } from '../../src/sandbox/gcal/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
type Event = calendar_v3.Schema$Event;

function client(url: string): calendar_v3.Calendar {
  const oauth = new auth.OAuth2();
  oauth.setCredentials({ access_token: 'ya29.sandbox' });
  return calendar({ version: 'v3', auth: oauth, rootUrl: `${url}/` });
}

/** Page through a listing; returns items, page count and the sync token (asserting it is only on the last page). */
async function listAll(cal: calendar_v3.Calendar, params: calendar_v3.Params$Resource$Events$List, between?: () => void) {
  const items: Event[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  for (;;) {
    const res = await cal.events.list({ calendarId: 'primary', ...params, ...(pageToken ? { pageToken } : {}) });
    pages++;
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
    if (pageToken) {
      assert.equal(res.data.nextSyncToken, undefined, 'nextSyncToken only on the last page');
      between?.();
      continue;
    }
    assert.ok(res.data.nextSyncToken, 'last page carries nextSyncToken');
    return { items, pages, syncToken: res.data.nextSyncToken };
  }
}

async function status(p: Promise<unknown>): Promise<{ status: number; data: { error: { code: number; errors: Array<{ reason: string; domain: string }>; message: string } } }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status: number; response: { data: never } };
    return { status: err.status, data: err.response.data };
  }
  throw new Error('expected an error');
}

describe('gcal simulator: sync protocol against @googleapis/calendar', () => {
  let sim: RunningSimulator<GcalSimState>;
  let cal: calendar_v3.Calendar;
  before(async () => {
    sim = await startGcalSimulator({ clock: createManualClock(T0), syncTokenTtlS: 86_400 });
    cal = client(sim.url);
  });
  after(() => sim.close());

  it('a full sync pages with pageToken to a nextSyncToken and matches truth', async () => {
    const { items, pages } = await listAll(cal, { maxResults: 100 });
    const truth = sim.state.truth().events;
    assert.ok(pages >= 9);
    assert.deepEqual(items.map((e) => e.id).sort(), truth.filter((e) => e.status !== 'cancelled').map((e) => e.id).sort());
    const withDeleted = await listAll(cal, { maxResults: 2500, showDeleted: true });
    assert.equal(withDeleted.pages, 1);
    assert.equal(withDeleted.items.length, 1000);
    const e = items.find((x) => !x.recurrence)!;
    assert.equal(e.kind, 'calendar#event');
    assert.ok(e.etag && e.htmlLink && e.created && e.updated && e.organizer?.email);
    assert.ok(e.start?.dateTime || e.start?.date);
  });

  it('incremental sync returns exactly what changed, cancelled events minimal; paging changes leave no gap', async () => {
    let ticks = 0;
    const full = await listAll(cal, { maxResults: 50 }, () => {
      if (ticks++ < 5) sim.clock.advance(30 * 60_000); // changes while the full sync pages
    });
    const seen = new Map<string, Event>(full.items.map((e) => [e.id!, e]));
    sim.clock.advance(6 * 3_600_000);
    const inc = await listAll(cal, { syncToken: full.syncToken!, maxResults: 20 });
    assert.ok(inc.items.length > 10 && inc.pages > 1);
    const cancelled = inc.items.filter((e) => e.status === 'cancelled');
    assert.ok(cancelled.length > 0, 'cancelled events are included');
    for (const c of cancelled) assert.deepEqual(Object.keys(c).sort(), ['etag', 'id', 'kind', 'status']);
    for (const e of inc.items) {
      if (e.status === 'cancelled') seen.delete(e.id!);
      else seen.set(e.id!, e);
    }
    const truth = sim.state.truth().events.filter((e) => e.status !== 'cancelled');
    assert.deepEqual([...seen.keys()].sort(), truth.map((e) => e.id).sort());
    for (const t of truth) assert.equal(seen.get(t.id)!.updated, t.updated, `event ${t.id} is current`);
    const again = await listAll(cal, { syncToken: inc.syncToken! });
    assert.equal(again.items.length, 0, 'nothing changed since');
  });

  it('sync tokens expire with 410 fullSyncRequired: by control, by age, by staleCursor', async () => {
    const { syncToken } = await listAll(cal, { maxResults: 2500 });
    const expect410 = async (token: string) => {
      const r = await status(cal.events.list({ calendarId: 'primary', syncToken: token }));
      assert.equal(r.status, 410);
      assert.deepEqual(r.data.error.errors.map((x) => [x.domain, x.reason]), [['calendar', 'fullSyncRequired']]);
      assert.equal(r.data.error.message, 'Sync token is no longer valid, a full sync is required.');
    };
    sim.setFaults({ staleCursor: true });
    await expect410(syncToken!);
    sim.setFaults({ staleCursor: false });
    await cal.events.list({ calendarId: 'primary', syncToken: syncToken! });
    const ctl = await fetch(`${sim.url}/__sandbox/expire-sync-tokens`, { method: 'POST' });
    assert.equal(ctl.status, 200);
    await expect410(syncToken!);
    const fresh = (await listAll(cal, { maxResults: 2500 })).syncToken!;
    sim.clock.advance(86_400_000 + 1000);
    await expect410(fresh);
    await expect410('made-up-token');
  });

  it('rejects bad parameters with 400 as Google does', async () => {
    assert.equal((await status(cal.events.list({ calendarId: 'primary', pageToken: 'garbage' }))).status, 400);
    const { syncToken } = await listAll(cal, { maxResults: 2500 });
    const combo = await status(cal.events.list({ calendarId: 'primary', syncToken: syncToken!, timeMin: new Date(T0).toISOString() }));
    assert.equal(combo.status, 400);
    assert.equal((await status(cal.events.list({ calendarId: 'primary', orderBy: 'startTime' }))).status, 400);
    assert.equal((await status(cal.events.list({ calendarId: 'nobody@example.com' }))).status, 404);
    const other = await cal.events.list({ calendarId: 'primary', maxResults: 10, showDeleted: true });
    assert.equal((await status(cal.events.list({ calendarId: 'primary', maxResults: 10, pageToken: other.data.nextPageToken! }))).status, 400, 'a page token continues only its own query');
  });

  it('singleEvents expands recurring events into instances; orderBy startTime sorts them', async () => {
    const masters = (await listAll(cal, { maxResults: 2500 })).items;
    const recurring = masters.filter((e) => e.recurrence);
    assert.ok(recurring.length > 0);
    const expected = masters.length - recurring.length + recurring.reduce((s, e) => s + Number(/COUNT=(\d+)/.exec(e.recurrence![0]!)![1]), 0);
    const single = await listAll(cal, { maxResults: 2500, singleEvents: true, orderBy: 'startTime' });
    assert.equal(single.items.length, expected);
    const inst = single.items.find((e) => e.recurringEventId)!;
    assert.ok(inst.originalStartTime && inst.id!.startsWith(`${inst.recurringEventId}_`));
    const starts = single.items.map((e) => Date.parse(e.start?.dateTime ?? e.start?.date ?? 'x')).filter((n) => !Number.isNaN(n));
    assert.deepEqual(starts, [...starts].sort((a, b) => a - b));
  });
});
