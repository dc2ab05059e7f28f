/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
 * instance: synced data from the simulators, poison records in the DLQ. Writes a screenshot
 * to test-results/dashboard.png.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { KEYS, startInstance, type Instance } from './fixtures/instance.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Chromium (.ci/run), so there a missing browser is a failure, never a skip; on a
// laptop without it the suite says how to get it.
const SKIP = existsSync(CHROMIUM) || process.env.CI ? false : `${CHROMIUM} is not installed (apt-get install chromium, or set CHROMIUM_PATH)`;
const SCREENSHOT = path.resolve('test-results/dashboard.png');

interface DlqItem {
  id: string;
  replayedAt: string | null;
}

async function api<T>(inst: Instance, url: string, headers: Record<string, string>): Promise<T> {
  const res = await fetch(`${inst.baseUrl}${url}`, { headers });
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return (await res.json()) as T;
}

const points = (page: Page) => page.locator('#revenue-chart').getAttribute('data-points').then(Number);

describe('dashboard in Chromium', { skip: SKIP }, () => {
  let inst: Instance;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  const pageErrors: string[] = [];

  before(async () => {
    inst = await startInstance();
    userDataDir = mkdtempSync(path.join(tmpdir(), 'buffalo-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1440, height: 900 },
      timezoneId: 'UTC',
      locale: 'en-US',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  });

  after(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await inst?.close();
  });

  it('opens with the key from the fragment, drops the fragment and keeps the key in localStorage', async () => {
    await page.goto(`${inst.baseUrl}/dashboard#key=${KEYS.apiKey}`);
    await page.locator('#panels').waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).hash, '', 'fragment removed from the address bar');
    assert.equal(await page.evaluate(() => localStorage.getItem('buffalo.apiKey')), KEYS.apiKey);
    assert.equal(await page.locator('#key-gate').isHidden(), true);
  });

  it('draws the daily revenue chart with points, exact totals from the API, and switches to weekly buckets', async () => {
    await page.waitForFunction(() => Number(document.querySelector('#revenue-chart')?.getAttribute('data-points')) > 0);
    const daily = await points(page);
    assert.ok((await page.locator('#revenue-chart canvas').count()) > 0, 'uPlot rendered a canvas');
    const gross = await page.locator('#total-gross').textContent();
    assert.match(gross ?? '', /^\$[\d,]+\.\d{2}$/, 'gross is shown as exact USD');
    await page.getByText('Weekly', { exact: true }).click();
    await page.waitForFunction((d) => {
      const n = Number(document.querySelector('#revenue-chart')?.getAttribute('data-points'));
      return n > 0 && n < d;
    }, daily);
    assert.ok((await points(page)) < daily, 'fewer weekly buckets than daily ones');
    await page.getByText('Daily', { exact: true }).click();
    await page.waitForFunction((d) => Number(document.querySelector('#revenue-chart')?.getAttribute('data-points')) === d, daily);
  });

  it('lists the sync runs and the per-source state from /readyz', async () => {
    await page.locator('#runs-table tbody tr[data-status]').first().waitFor();
    assert.equal(await page.locator('#runs-table tbody tr[data-status]').count(), inst.runs.length);
    const fields = await page.locator('#runs-table thead th span[title]').evaluateAll((els) => els.map((e) => e.getAttribute('title')));
    assert.deepEqual(fields, ['pagesFetched', 'recordsFetched', 'recordsDeduped', 'recordsUpserted', 'recordsFailed'], 'count columns named after the run report fields');
    const newest = inst.runs.at(-1)!;
    const counts = await page.locator('#runs-table tbody tr[data-status]').first().locator('td.num').allTextContents();
    assert.deepEqual(counts.slice(0, 2), [String(newest.pagesFetched), String(newest.recordsFetched)]);
    const stripe = page.locator('#sources-table tr[data-source="stripe"]');
    await stripe.waitFor();
    assert.match((await stripe.textContent()) ?? '', /partial|success/);
    assert.match((await stripe.textContent()) ?? '', /closed/, 'breaker state shown');
    assert.ok((await page.locator('#queues-table tr[data-queue="ingest"]').count()) === 1, 'ingest queue depth shown');
    const reconciled = page.locator('#sources-table tr[data-source="hubspot"] [data-reconcile]');
    await reconciled.waitFor();
    assert.match((await reconciled.textContent()) ?? '', /(matches upstream|differs: \d+ missing · \d+ extra · \d+ different) \(reconciled /, 'the last reconciliation of the source');
  });

  it('lists the connections with their status, last run, records and dead letters', async () => {
    const stripe = page.locator('#connections-table tr[data-connection="stripe-default"]');
    await stripe.waitFor();
    const text = (await stripe.textContent()) ?? '';
    assert.match(text, /^stripedefaultstripe-defaultactive(partial|success)/);
    assert.match(text, new RegExp(`${inst.runs[0]!.recordsFetched} fetched`));
    assert.match(text, /\d+ in the DLQ/, 'the poison records are counted against the connection');
    assert.match((await page.locator('#connections-count').textContent()) ?? '', /^\(4\)$/);
  });

  it('with the admin key: lists dead letters, shows a payload, replays one, and the API confirms the replay', async () => {
    const before = await api<{ items: DlqItem[] }>(inst, '/dlq?replayed=false', { 'x-admin-api-key': KEYS.adminApiKey });
    assert.ok(before.items.length > 0, 'poison records are in the DLQ');
    await page.locator('#admin-key-input').fill(KEYS.adminApiKey);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.locator('#dlq-table tbody tr[data-id]').first().waitFor();
    assert.equal(await page.locator('#dlq-table tbody tr[data-state="dead"]').count(), before.items.length);
    assert.notEqual(await page.evaluate(() => sessionStorage.getItem('buffalo.adminKey')), null, 'admin key kept for the tab');

    const target = before.items[0]!.id;
    await page.getByRole('button', { name: `View payload of dead letter ${target}` }).click();
    await page.locator('#payload-dialog[open]').waitFor();
    assert.match((await page.locator('#payload-json').textContent()) ?? '', /"externalId"/);
    await page.locator('#payload-dialog').getByRole('button', { name: 'Close' }).click();
    await page.locator('#payload-dialog[open]').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: `Replay dead letter ${target}` }).click();
    await page.locator(`#dlq-table tr[data-id="${target}"][data-state="replayed"]`).waitFor();
    const replayed = await api<{ items: DlqItem[] }>(inst, '/dlq?replayed=true', { 'x-admin-api-key': KEYS.adminApiKey });
    assert.ok(replayed.items.some((d) => d.id === target && d.replayedAt !== null), 'GET /dlq shows it replayed');
    await page.locator('#refresh-status', { hasText: `Dead letter ${target} replayed` }).waitFor();
  });

  it('with the admin key: "Sync now" accepts a run that appears in the runs table', async () => {
    await page.getByRole('button', { name: 'Sync stripe now' }).click();
    await page.locator('#runs-table tbody tr[data-status="queued"]').first().waitFor();
    const runs = await api<{ runs: Array<{ status: string; trigger: string }> }>(inst, '/runs?status=queued', { 'x-api-key': KEYS.apiKey });
    assert.deepEqual(runs.runs.map((r) => r.trigger), ['api']);
  });

  it('renders without script errors and writes the screenshot', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(existsSync(SCREENSHOT));
    assert.deepEqual(pageErrors, []);
  });

  it('asks for a key when none is stored, and refuses a wrong one', async () => {
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${inst.baseUrl}/dashboard`);
    await page.locator('#key-gate').waitFor({ state: 'visible' });
    await page.locator('#api-key-input').fill('not-the-key-0000000000');
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await page.locator('#key-error', { hasText: 'refused' }).waitFor();
    assert.equal(await page.locator('#panels').isHidden(), true);
  });
});
