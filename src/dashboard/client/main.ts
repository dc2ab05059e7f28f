/**
 * Dashboard entry: takes the API key from the fragment (or asks for it), then refreshes every
 * panel every 5 s while the tab is visible. Refreshes never overlap; a failed one is reported
 * in the aria-live status line and the next one tries again.
 */
import './styles.css';
import { ApiError, callApi } from './api.ts';
import { byId } from './dom.ts';
import { renderConnections } from './connectionsPanel.ts';
import { createDlqPanel } from './dlqPanel.ts';
import { adminKey, adoptFragmentKey, apiKey, forgetKeys, setApiKey } from './keys.ts';
import { renderPipeline } from './pipelinePanel.ts';
import { createRevenuePanel } from './revenuePanel.ts';
import { createSyncPanel } from './syncPanel.ts';
import type { Overview, Readiness, RunReport } from './types.ts';

const REFRESH_MS = 5000;

adoptFragmentKey();

const gate = byId('key-gate');
const panels = byId('panels');
const statusLine = byId('refresh-status');
const updated = byId('updated');
const health = byId('health');
const pauseButton = byId<HTMLButtonElement>('pause');

let timer: ReturnType<typeof setTimeout> | undefined;
let running: Promise<void> | null = null;
let paused = false;
let failing = false;

const announce = (message: string, ok: boolean): void => {
  statusLine.textContent = message;
  statusLine.classList.toggle('error', !ok);
};

const revenue = createRevenuePanel();
const dlq = createDlqPanel({ onChange: () => void tick(), announce });
const sync = createSyncPanel({ adminKey, onTrigger: (message, ok) => { announce(message, ok); void tick(); } });

function showGate(message: string): void {
  gate.hidden = false;
  panels.hidden = true;
  byId('key-error').textContent = message;
  health.dataset.state = 'unknown';
  health.textContent = 'locked';
  byId<HTMLInputElement>('api-key-input').focus();
}

async function refreshAll(): Promise<void> {
  const key = apiKey();
  if (!key) return showGate('');
  const now = Date.now();
  const [readiness, overview, runs, revenueDone, dlqDone] = await Promise.allSettled([
    callApi<Readiness>('/readyz'),
    callApi<Overview>('/dashboard/api/overview', { apiKey: key }),
    callApi<{ runs: RunReport[] }>('/runs?limit=50', { apiKey: key }),
    revenue.refresh(key),
    dlq.refresh(),
  ]);
  const results = [readiness, overview, runs, revenueDone, dlqDone];
  // The DLQ panel handles a refused admin key itself; any other 401 is the API key.
  const refused = results.find((r) => r.status === 'rejected' && r.reason instanceof ApiError && r.reason.status === 401);
  if (refused) {
    forgetKeys();
    return showGate('The API key was refused. Paste a valid one.');
  }
  gate.hidden = true;
  panels.hidden = false;

  const ready = readiness.status === 'fulfilled' ? readiness.value : null;
  health.dataset.state = ready?.status ?? 'unavailable';
  health.textContent = ready ? `API ${ready.status}${ready.syncStatus === 'degraded' ? ' · sync degraded' : ''}` : 'API unreachable';
  if (overview.status === 'fulfilled') {
    renderPipeline(overview.value, ready);
    renderConnections(overview.value, now);
  }
  if (ready && runs.status === 'fulfilled') sync.render({ readiness: ready, runs: runs.value.runs, now, admin: dlq.unlocked() });

  const failures = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
  if (failures.length) {
    failing = true;
    announce(`Refresh failed: ${[...new Set(failures)].join('; ')}. Retrying every ${REFRESH_MS / 1000} s.`, false);
  } else if (failing) {
    failing = false;
    announce('Refresh recovered.', true);
  }
  updated.textContent = `Updated ${new Date(now).toLocaleTimeString()}`;
}

async function tick(): Promise<void> {
  clearTimeout(timer);
  running ??= refreshAll()
    .catch((err: Error) => announce(`Refresh failed: ${err.message}`, false))
    .finally(() => {
      running = null;
    });
  await running;
  clearTimeout(timer);
  if (!paused && !document.hidden) timer = setTimeout(() => void tick(), REFRESH_MS);
}

byId<HTMLFormElement>('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = byId<HTMLInputElement>('api-key-input');
  if (!input.value.trim()) return;
  setApiKey(input.value);
  input.value = '';
  void tick();
});
byId('forget-key').addEventListener('click', () => {
  forgetKeys();
  showGate('Keys forgotten.');
});
pauseButton.addEventListener('click', () => {
  paused = !paused;
  pauseButton.setAttribute('aria-pressed', String(paused));
  pauseButton.textContent = paused ? 'Resume refresh' : 'Pause refresh';
  if (paused) clearTimeout(timer);
  else void tick();
});
document.addEventListener('visibilitychange', () => {
  if (!document.hidden && !paused) void tick();
});

void tick();
