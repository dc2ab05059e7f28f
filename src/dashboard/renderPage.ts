/**
 * The dashboard's HTML shell: landmarks, headings, tables with headers and the key forms are
 * here, so the page is readable before the script runs; the script (client/main.ts) fills in
 * the data. It holds no data and no key, so it is served without auth.
 */
import type { Asset } from './loadAssets.ts';

/** URL path of the assets. */
export const ASSET_PREFIX = '/dashboard/assets/';

const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'JPY'];

// Count columns of the runs table; each header's title names the run report field it shows,
// so what a reader sees here is what they find in `GET /runs`.
const REPORT_COLUMNS: Array<[field: string, label: string]> = [
  ['pagesFetched', 'Pages'],
  ['recordsFetched', 'Fetched'],
  ['recordsDeduped', 'Deduped'],
  ['recordsUpserted', 'Upserted'],
  ['recordsFailed', 'Failed'],
];

function assetUrl(name: string, asset: Asset | undefined): string {
  return `${ASSET_PREFIX}${name}${asset ? `?v=${asset.version}` : ''}`;
}

function table(id: string, caption: string, headers: string[], empty: string): string {
  return `<div class="table-wrap"><table id="${id}"><caption class="visually-hidden">${caption}</caption>
<thead><tr>${headers.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>
<tbody><tr class="empty"><td colspan="${headers.length}">${empty}</td></tr></tbody></table></div>`;
}

/** The page for the current bundle (`assets` may be empty when the bundle is missing). */
export function renderPage(assets: ReadonlyMap<string, Asset>): string {
  const js = assets.get('app.js');
  const css = assets.get('app.css');
  const missing = !js
    ? `<p class="banner error" role="alert">The dashboard's script bundle is missing. Run <code>npm run build:dashboard</code> (or <code>npm install</code>) and restart.</p>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Buffalo · dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrl('app.css', css)}">
${js ? `<script type="module" src="${assetUrl('app.js', js)}"></script>` : ''}
</head>
<body>
<header class="top">
  <h1>Buffalo</h1>
  <span id="health" class="pill" data-state="unknown" title="GET /readyz">status unknown</span>
  <span id="updated" class="muted"></span>
  <p id="refresh-status" class="refresh-status" role="status" aria-live="polite"></p>
  <div class="top-actions">
    <button type="button" id="pause" aria-pressed="false">Pause refresh</button>
    <button type="button" id="forget-key">Forget keys</button>
  </div>
</header>
<main>
${missing}
<section id="key-gate" class="gate" aria-labelledby="key-gate-h" hidden>
  <h2 id="key-gate-h">API key needed</h2>
  <p>Open the link that <code>buffalo start</code> prints (it carries the key after <code>#</code>, which never leaves the browser), or paste the API key (<code>X-Api-Key</code>).</p>
  <form id="key-form">
    <label for="api-key-input">API key</label>
    <input id="api-key-input" name="apiKey" type="password" autocomplete="off" spellcheck="false" required>
    <button type="submit">Open dashboard</button>
  </form>
  <p id="key-error" class="error" role="alert"></p>
</section>

<div id="panels" class="grid" hidden>
  <section class="panel wide" aria-labelledby="revenue-h">
    <div class="panel-head">
      <h2 id="revenue-h">Revenue</h2>
      <form id="revenue-controls" class="controls">
        <fieldset class="segmented"><legend class="visually-hidden">Buckets</legend>
          <input type="radio" id="period-daily" name="period" value="daily" checked><label for="period-daily">Daily</label>
          <input type="radio" id="period-weekly" name="period" value="weekly"><label for="period-weekly">Weekly</label>
        </fieldset>
        <label>Range
          <select id="revenue-range" name="range">
            <option value="30">30 days</option>
            <option value="90" selected>90 days</option>
            <option value="365">1 year</option>
            <option value="all">All time</option>
          </select>
        </label>
        <label>Currency
          <select id="revenue-currency" name="currency">${CURRENCIES.map((c) => `<option>${c}</option>`).join('')}</select>
        </label>
        <label>Source
          <select id="revenue-source" name="source">
            <option value="">All</option><option value="stripe">Stripe</option><option value="hubspot">HubSpot</option>
          </select>
        </label>
        <label class="check"><input type="checkbox" id="show-gross" name="gross" checked> Gross</label>
        <label class="check"><input type="checkbox" id="show-net" name="net" checked> Net</label>
      </form>
    </div>
    <dl id="revenue-totals" class="figures">
      <div><dt>Gross</dt><dd id="total-gross">–</dd></div>
      <div><dt>Refunded</dt><dd id="total-refunded">–</dd></div>
      <div><dt>Net</dt><dd id="total-net">–</dd></div>
      <div><dt>Charges</dt><dd id="total-count">–</dd></div>
    </dl>
    <div id="revenue-chart" class="chart" role="img" aria-label="Revenue chart" data-points="0"></div>
    <details class="data-table">
      <summary>Revenue as a table</summary>
      ${table('revenue-table', 'Revenue per bucket', ['Period', 'Gross', 'Refunded', 'Net', 'Charges'], 'No revenue in this range.')}
    </details>
  </section>

  <section class="panel wide" aria-labelledby="sources-h">
    <h2 id="sources-h">Sources</h2>
    ${table('sources-table', 'Sync state per source', ['Source', 'Enabled', 'Last run', 'Records (last finished run)', 'Last success', 'Breaker', '<span class="visually-hidden">Actions</span>'], 'Loading…')}
  </section>

  <section class="panel wide" aria-labelledby="connections-h">
    <h2 id="connections-h">Connections <span id="connections-count" class="count"></span></h2>
    <p id="connections-summary" class="note"></p>
    ${table('connections-table', 'Connections with their last sync run', ['Provider', 'Name', 'ID', 'Status', 'Last run', 'Records (last run)', 'Errors'], 'Loading…')}
  </section>

  <section class="panel wide" aria-labelledby="runs-h">
    <h2 id="runs-h">Recent sync runs</h2>
    ${table('runs-table', 'Most recent sync runs', ['Created', 'Source', 'Mode', 'Trigger', 'Status', ...REPORT_COLUMNS.map(([field, label]) => `<span title="${field}">${label}</span>`), 'Duration', 'Note'], 'No runs yet.')}
  </section>

  <section class="panel" aria-labelledby="pipeline-h">
    <h2 id="pipeline-h">Pipeline depth</h2>
    ${table('queues-table', 'Jobs per queue', ['Queue', 'Pending', 'Ready', 'Running', 'Dead', 'Oldest wait'], 'All queues are empty.')}
    <h3 id="orders-h">Orders by status</h3>
    <ul id="orders-bars" class="bars" aria-labelledby="orders-h"></ul>
  </section>

  <section class="panel" aria-labelledby="health-h">
    <h2 id="health-h">Upstream health</h2>
    ${table('breakers-table', 'Circuit breakers of the API process', ['Upstream', 'Breaker', 'Retry in', 'Opened'], 'No upstream calls made by this process yet.')}
    <p class="note" id="db-health"></p>
  </section>

  <section class="panel wide" aria-labelledby="dlq-h">
    <div class="panel-head">
      <h2 id="dlq-h">Dead-letter queue <span id="dlq-count" class="count"></span></h2>
      <div id="dlq-tools" class="controls" hidden>
        <label class="check"><input type="checkbox" id="dlq-show-replayed"> Show replayed</label>
        <button type="button" id="admin-lock">Lock admin</button>
      </div>
    </div>
    <form id="admin-form" class="inline-form">
      <p>Listing and replaying dead letters needs the admin key (<code>X-Admin-Api-Key</code>). It is kept for this browser tab only.</p>
      <label for="admin-key-input">Admin key</label>
      <input id="admin-key-input" name="adminKey" type="password" autocomplete="off" spellcheck="false" required>
      <button type="submit">Unlock</button>
      <p id="admin-error" class="error" role="alert"></p>
    </form>
    <div id="dlq-body" hidden>
      ${table('dlq-table', 'Dead letters, newest first', ['ID', 'Queue', 'Record', 'Reason', 'Error', 'Failed', 'State', '<span class="visually-hidden">Actions</span>'], 'The dead-letter queue is empty.')}
    </div>
  </section>
</div>

<dialog id="payload-dialog" aria-labelledby="payload-title">
  <form method="dialog" class="dialog-head">
    <h2 id="payload-title">Dead letter</h2>
    <button type="submit" aria-label="Close">Close</button>
  </form>
  <h3>Error</h3>
  <pre id="payload-error"></pre>
  <h3>Payload</h3>
  <pre id="payload-json"></pre>
</dialog>
</main>
</body>
</html>
`;
}
