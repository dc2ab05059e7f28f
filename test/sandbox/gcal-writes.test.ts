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

async function listAll(cal: calendar_v3.Calendar, params: calendar_v3.Params$Resource$Events$List): Promise<{ items: Event[]; syncToken: string }> {
  const items: Event[] = [];
  let pageToken: string | undefined;
  for (;;) {
    const res = await cal.events.list({ calendarId: 'primary', maxResults: 2500, ...params, ...(pageToken ? { pageToken } : {}) });
    items.push(...(res.data.items ?? []));
    pageToken = res.data.nextPageToken ?? undefined;
    if (!pageToken) return { items, syncToken: res.data.nextSyncToken! };
  }
}

async function failure(p: Promise<unknown>): Promise<{ status: number; error: { code: number; message: string; errors: Array<{ reason: string; domain: string }> } }> {
  try {
    await p;
  } catch (e) {
    const err = e as { status: number; response: { data: { error: never } } };
    return { status: err.status, error: err.response.data.error };
  }
  throw new Error('expected an error');
}

describe('gcal simulator: events.patch and events.delete through @googleapis/calendar', () => {
  let sim: RunningSimulator<GcalSimState>;
  let cal: calendar_v3.Calendar;
  // Quiet world: every change an incremental read returns is one these tests made.
  before(async () => {
    sim = await startGcalSimulator({ clock: createManualClock(T0), faults: { records: 200 }, rates: { creates: 0, updates: 0, cancels: 0 } });
    cal = client(sim.url);
  });
  after(() => sim.close());

  const liveOne = () => sim.state.truth().events.find((e) => e.status === 'confirmed' && !e.recurring && e.poison === null)!;

  it('patch changes the named fields, bumps updated and sequence, and is what the next incremental read returns', async () => {
    const { syncToken } = await listAll(cal, {});
    const target = liveOne();
    const before = (await cal.events.get({ calendarId: 'primary', eventId: target.id })).data;
    sim.clock.advance(60_000);
    const start = new Date(Date.parse(before.start!.dateTime!) + 3_600_000).toISOString();
    const end = new Date(Date.parse(start) + 1_800_000).toISOString();
    const res = await cal.events.patch({ calendarId: 'primary', eventId: target.id, requestBody: { summary: 'Moved by API', start: { dateTime: start }, end: { dateTime: end } } });
    assert.equal(res.data.summary, 'Moved by API');
    assert.equal(res.data.updated, new Date(sim.clock.now()).toISOString());
    assert.equal(res.data.sequence, (before.sequence ?? 0) + 1);
    assert.equal(Date.parse(res.data.start!.dateTime!), Date.parse(start));
    assert.equal(Date.parse(res.data.end!.dateTime!), Date.parse(end));
    assert.equal(res.data.location, before.location, 'fields not named stay');
    assert.notEqual(res.data.etag, before.etag);

    const inc = await listAll(cal, { syncToken });
    assert.deepEqual(inc.items.map((e) => [e.id, e.summary]), [[target.id, 'Moved by API']]);
    const t = sim.state.truth().events.find((e) => e.id === target.id)!;
    assert.deepEqual([t.summary, t.updated, t.start], ['Moved by API', res.data.updated, new Date(Date.parse(start)).toISOString()]);
  });

  it('patch refuses an empty time range (400) and an unknown event (404 notFound)', async () => {
    const target = liveOne();
    const ev = (await cal.events.get({ calendarId: 'primary', eventId: target.id })).data;
    const empty = await failure(cal.events.patch({ calendarId: 'primary', eventId: target.id, requestBody: { end: { dateTime: ev.start!.dateTime! } } }));
    assert.equal(empty.status, 400);
    assert.equal(empty.error.errors[0]!.reason, 'timeRangeEmpty');
    const missing = await failure(cal.events.patch({ calendarId: 'primary', eventId: 'nosuchevent123', requestBody: { summary: 'x' } }));
    assert.equal(missing.status, 404);
    assert.equal(missing.error.errors[0]!.reason, 'notFound');
    assert.equal((await failure(cal.events.delete({ calendarId: 'primary', eventId: 'nosuchevent123' }))).status, 404);
  });

  it('delete: 204, cancelled in incremental reads and showDeleted, gone from a plain list, 410 deleted the second time', async () => {
    const { syncToken } = await listAll(cal, {});
    const target = liveOne();
    sim.clock.advance(60_000);
    const res = await cal.events.delete({ calendarId: 'primary', eventId: target.id });
    assert.equal(res.status, 204);
    assert.ok(!(await listAll(cal, {})).items.some((e) => e.id === target.id), 'not in a plain list');
    const shown = (await listAll(cal, { showDeleted: true })).items.find((e) => e.id === target.id);
    assert.equal(shown?.status, 'cancelled');
    const inc = await listAll(cal, { syncToken });
    assert.deepEqual(inc.items.map((e) => [e.id, e.status]), [[target.id, 'cancelled']]);
    assert.equal(sim.state.truth().events.find((e) => e.id === target.id)!.status, 'cancelled');
    const again = await failure(cal.events.delete({ calendarId: 'primary', eventId: target.id }));
    assert.equal(again.status, 410);
    assert.deepEqual([again.error.errors[0]!.reason, again.error.message], ['deleted', 'Resource has been deleted']);
  });

  it('deleting a recurring event cancels every instance an expanded incremental read returns', async () => {
    const { syncToken } = await listAll(cal, { singleEvents: true });
    const rec = sim.state.truth().events.find((e) => e.status !== 'cancelled' && e.recurring);
    if (!rec) return; // seeded world without a recurring event
    await cal.events.delete({ calendarId: 'primary', eventId: rec.id });
    const inc = await listAll(cal, { syncToken, singleEvents: true });
    assert.ok(inc.items.length > 1);
    assert.ok(inc.items.every((e) => e.status === 'cancelled' && e.recurringEventId === rec.id));
  });
});
