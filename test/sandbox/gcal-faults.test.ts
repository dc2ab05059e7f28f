import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock, type RunningSimulator } from '../../src/sandbox/common/index.ts';
import { startGcalSimulator, type GcalSimState } from '../../src/sandbox/gcal/index.ts';

const T0 = Date.UTC(2025, 5, 1, 12);
const AUTH = { authorization: 'Bearer ya29.faults' };
type GoogleError = { error: { code: number; message: string; errors: Array<{ domain: string; reason: string; message: string }>; status?: string } };

describe('gcal simulator: faults and auth', () => {
  let sim: RunningSimulator<GcalSimState>;
  before(async () => {
    sim = await startGcalSimulator({ clock: createManualClock(T0), faults: { records: 200 } });
  });
  after(() => sim.close());
  const events = (token = AUTH) => fetch(`${sim.url}/calendar/v3/calendars/primary/events?maxResults=1`, { headers: token });

  it('rate limit answers 429 rateLimitExceeded (usageLimits) in Google format', async () => {
    sim.setFaults({ rateLimitPerMin: 2 });
    const statuses: number[] = [];
    let body: GoogleError | undefined;
    for (let i = 0; i < 4; i++) {
      const res = await events();
      statuses.push(res.status);
      const json = (await res.json()) as GoogleError;
      if (res.status === 429) body = json;
    }
    sim.setFaults({ rateLimitPerMin: 0 });
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    assert.equal(body!.error.code, 429);
    assert.deepEqual(body!.error.errors.map((e) => [e.domain, e.reason]), [['usageLimits', 'rateLimitExceeded']]);
  });

  it('errorRate 0.2 gives about 20 % Google-format 503 backendError over 500 calls', async () => {
    sim.setFaults({ errorRate: 0.2 });
    let errors = 0;
    const call = async () => {
      const res = await events();
      const body = (await res.json()) as Partial<GoogleError>;
      if (res.status === 503) {
        errors++;
        assert.equal(body.error?.errors[0]?.reason, 'backendError');
      } else assert.equal(res.status, 200);
    };
    for (let i = 0; i < 50; i++) await Promise.all(Array.from({ length: 10 }, call));
    sim.setFaults({ errorRate: 0 });
    assert.ok(errors >= 70 && errors <= 130, `errors=${errors}`);
  });

  it('401 Login Required without a token; issued tokens expire after tokenTtlS', async () => {
    const none = await events({} as typeof AUTH);
    assert.equal(none.status, 401);
    const body = (await none.json()) as GoogleError;
    assert.equal(body.error.errors[0]!.reason, 'required');
    assert.equal(body.error.status, 'UNAUTHENTICATED');
    sim.setFaults({ tokenTtlS: 3600 });
    const tok = await fetch(`${sim.url}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=x.y.z' });
    const { access_token, expires_in, token_type } = (await tok.json()) as { access_token: string; expires_in: number; token_type: string };
    assert.deepEqual([expires_in, token_type], [3600, 'Bearer']);
    assert.equal((await events({ authorization: `Bearer ${access_token}` })).status, 200);
    sim.clock.advance(3600_000);
    const late = await events({ authorization: `Bearer ${access_token}` });
    assert.equal(late.status, 401);
    assert.equal(((await late.json()) as GoogleError).error.errors[0]!.reason, 'authError');
    sim.setFaults({ tokenTtlS: 0 });
  });

  it('can answer rate limits with 403 instead, as Calendar also does', async () => {
    const s403 = await startGcalSimulator({ clock: createManualClock(T0), faults: { records: 10, rateLimitPerMin: 1 }, rateLimitStatus: 403 });
    try {
      await (await fetch(`${s403.url}/calendar/v3/calendars/primary/events`, { headers: AUTH })).arrayBuffer();
      const res = await fetch(`${s403.url}/calendar/v3/calendars/primary/events`, { headers: AUTH });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as GoogleError).error.errors[0]!.reason, 'rateLimitExceeded');
    } finally {
      await s403.close();
    }
  });
});

describe('gcal simulator: determinism, activity and poison', () => {
  it('same seed and clock → same events; advance creates, updates and cancels', async () => {
    const mk = () => startGcalSimulator({ clock: createManualClock(T0), faults: { records: 300, seed: 11 } });
    const [a, b] = await Promise.all([mk(), mk()]);
    try {
      const before = a.state.truth();
      const res = await fetch(`${a.url}/__sandbox/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hours: 12 }) });
      const counts = (await res.json()) as { created: number; updated: number; cancelled: number };
      assert.ok(counts.created > 0 && counts.updated > 0 && counts.cancelled > 0, JSON.stringify(counts));
      b.clock.advance(12 * 3_600_000);
      b.state.catchUp();
      assert.deepEqual(a.state.truth(), b.state.truth());
      assert.equal(a.state.truth().events.length, before.events.length + counts.created);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('poison events have a missing or malformed start exactly where truth says', async () => {
    const sim = await startGcalSimulator({ clock: createManualClock(T0), faults: { records: 300, poisonRate: 0.1 } });
    try {
      const res = await fetch(`${sim.url}/calendar/v3/calendars/primary/events?maxResults=2500&showDeleted=true`, { headers: AUTH });
      const { items } = (await res.json()) as { items: Array<{ id: string; status: string; start?: { dateTime?: string; date?: string } }> };
      const poison = new Map(sim.state.truth().events.map((e) => [e.id, e.poison]));
      assert.ok([...poison.values()].filter(Boolean).length > 10);
      for (const e of items.filter((x) => x.status !== 'cancelled')) {
        const bad = !e.start || Number.isNaN(Date.parse(e.start.dateTime ?? e.start.date ?? ''));
        assert.equal(bad, Boolean(poison.get(e.id)), `event ${e.id}`);
      }
    } finally {
      await sim.close();
    }
  });
});
