import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../bench/ports.ts';
import { runDoctor, type DoctorReport } from '../../src/cli/doctorCommand.ts';
import { startAdPlatformSimulator } from '../../src/sandbox/adplatform/index.ts';
import { startStripeSimulator } from '../../src/sandbox/stripe/index.ts';
import { useTestDb } from '../helpers/testResources.ts';
import { BIN } from './buffaloChild.ts';

const AD = { email: 'ops@example.test', password: 'doctor-password' };
// The simulator accepts only this key (by default it takes any test key).
const STRIPE_KEY = 'sk_test_doctor_operator_key';
const byName = (r: DoctorReport, check: string) => r.checks.find((c) => c.check === check);

describe('buffalo doctor', () => {
  const db = useTestDb();
  let stripe: Awaited<ReturnType<typeof startStripeSimulator>>;
  let ad: Awaited<ReturnType<typeof startAdPlatformSimulator>>;
  let good: Record<string, string>;
  before(async () => {
    [stripe, ad] = await Promise.all([
      startStripeSimulator({ port: 0, apiKey: STRIPE_KEY, faults: { records: 5 } }),
      startAdPlatformSimulator({ port: 0, credentials: AD, faults: { records: 5, rateLimitPerMin: 0 } }),
    ]);
    db.closeLater(stripe);
    db.closeLater(ad);
    // No simulator started for us: the real thing, configured; the upstreams not used are switched off or left unset.
    good = {
      DATABASE_URL: db.url, SANDBOX: 'off', HOME: mkdtempSync(path.join(tmpdir(), 'buffalo-doctor-home-')),
      STRIPE_API_BASE: stripe.url, STRIPE_API_KEY: STRIPE_KEY,
      AD_PLATFORM_API_URL: ad.url, AD_PLATFORM_EMAIL: AD.email, AD_PLATFORM_PASSWORD: AD.password,
      HUBSPOT_ENABLED: 'false', GCAL_ENABLED: 'false',
    };
  });

  it('an all-good configuration passes: database, migrations, credentials accepted, clocks', async () => {
    const report = await runDoctor(good);
    assert.equal(report.ok, true, JSON.stringify(report.checks, null, 2));
    assert.equal(byName(report, 'config')?.status, 'ok');
    assert.match(byName(report, 'database')!.detail, /^reachable \(DATABASE_URL\), PostgreSQL \d+/);
    assert.equal(byName(report, 'migrations')?.status, 'ok');
    assert.equal(byName(report, 'permissions')?.status, 'ok');
    assert.equal(byName(report, 'clock (database)')?.status, 'ok');
    assert.equal(byName(report, 'upstream stripe')?.detail, `reachable at ${stripe.url}, credentials accepted`);
    assert.equal(byName(report, 'upstream adplatform')?.detail, `reachable at ${ad.url}, credentials accepted`);
    assert.equal(byName(report, 'upstream hubspot')?.status, 'ok');
    assert.equal(byName(report, 'upstream inventory')?.status, 'warn', 'left unset on purpose: its routes answer 503');
  });

  it('a wrong Stripe key is reported by name with the variable to fix', async () => {
    const report = await runDoctor({ ...good, STRIPE_API_KEY: 'sk_test_not_the_right_one' });
    assert.equal(report.ok, false);
    const stripeCheck = byName(report, 'upstream stripe')!;
    assert.equal(stripeCheck.status, 'fail');
    assert.match(stripeCheck.detail, /stripe refused the credentials/);
    assert.doesNotMatch(stripeCheck.detail, /sk_test_not_the_right_one/);
    assert.equal(stripeCheck.fix, 'check STRIPE_API_KEY');
  });

  it('an ad-platform URL without a password is reported by name with the variable to set', async () => {
    const { AD_PLATFORM_PASSWORD: _unset, ...env } = good;
    const report = await runDoctor(env);
    const check = byName(report, 'upstream adplatform')!;
    assert.deepEqual([check.status, check.detail, check.fix], ['fail', 'partly configured: AD_PLATFORM_PASSWORD missing', 'set AD_PLATFORM_PASSWORD']);
    assert.equal(report.ok, false);
  });

  it('an unreachable database is reported, with what to check', async () => {
    const report = await runDoctor({ ...good, DATABASE_URL: `postgres://postgres:buffalo@127.0.0.1:${await freePort()}/postgres` });
    const check = byName(report, 'database')!;
    assert.equal(check.status, 'fail');
    assert.match(check.detail, /^not reachable \(DATABASE_URL\)/);
    assert.match(check.fix ?? '', /check DATABASE_URL/);
  });

  it('a bad variable is named; the other checks are skipped', async () => {
    const report = await runDoctor({ ...good, PORT: 'eighty' });
    assert.equal(report.ok, false);
    assert.deepEqual(report.checks.filter((c) => c.status === 'fail').map((c) => c.detail), ['PORT: expected a whole number (got "eighty")']);
  });

  it('the CLI in an empty directory with nothing running: exit 1, a line per check saying what to set, nothing created; --json for machines', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'buffalo-doctor-empty-'));
    chmodSync(cwd, 0o755);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, XDG_STATE_HOME: path.join(cwd, 'state'), BUFFALO_FROM_SOURCES: '1' };
    const run = (args: string[]) => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'doctor', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.once('close', (code) => resolve({ code, out }));
    });
    const text = await run([]);
    assert.equal(text.code, 1, text.out);
    assert.match(text.out, /^fail {2}database +no database found$/m);
    assert.match(text.out, /→ no Buffalo database found: .*\n.*DATABASE_URL=postgres:\/\/.*BUFFALO_DATA_DIR=/);
    const json = await run(['--json']);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.out) as DoctorReport;
    assert.equal(report.ok, false);
    assert.equal(byName(report, 'database')?.status, 'fail');
    assert.deepEqual(readdirSync(cwd), []);
  });
});
