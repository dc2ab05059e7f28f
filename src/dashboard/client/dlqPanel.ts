/**
 * The dead-letter queue: list (GET /dlq), payload and error viewer, replay (POST
 * /dlq/:id/replay). Both need the admin key, asked for in the panel and kept in sessionStorage.
 * Replays send `Idempotency-Key: dashboard-replay-<id>`, so a double click is one replay.
 */
import { ApiError, callApi } from './api.ts';
import { byId, fillTable, h, pill } from './dom.ts';
import { formatAgo, summarizeError } from './format.ts';
import { adminKey, forgetAdminKey, setAdminKey } from './keys.ts';
import type { DeadLetterPage, DeadLetterView } from './types.ts';

const PAGE_SIZE = 50;

/** Create the panel. `refresh()` reloads the list when the admin key is known. */
export function createDlqPanel(opts: { onChange(): void; announce(message: string, ok: boolean): void }): { refresh(): Promise<void>; unlocked(): boolean } {
  const form = byId<HTMLFormElement>('admin-form');
  const input = byId<HTMLInputElement>('admin-key-input');
  const error = byId('admin-error');
  const body = byId('dlq-body');
  const tools = byId('dlq-tools');
  const table = byId<HTMLTableElement>('dlq-table');
  const showReplayed = byId<HTMLInputElement>('dlq-show-replayed');
  const dialog = byId<HTMLDialogElement>('payload-dialog');
  let items: DeadLetterView[] = [];
  // Entries replayed from this tab stay listed (marked replayed) though the list hides replayed ones.
  const replayedHere = new Map<string, DeadLetterView>();

  const showLocked = (message = ''): void => {
    form.hidden = false;
    body.hidden = true;
    tools.hidden = true;
    error.textContent = message;
    byId('dlq-count').textContent = '';
  };

  const refresh = async (): Promise<void> => {
    const key = adminKey();
    if (!key) return showLocked();
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (!showReplayed.checked) q.set('replayed', 'false');
    let page: DeadLetterPage;
    try {
      page = await callApi<DeadLetterPage>(`/dlq?${q}`, { adminKey: key });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        forgetAdminKey();
        showLocked('The admin key was refused.');
        opts.onChange();
        return;
      }
      throw err;
    }
    form.hidden = true;
    body.hidden = false;
    tools.hidden = false;
    const listed = new Set(page.items.map((d) => d.id));
    items = [...page.items, ...[...replayedHere.values()].filter((d) => !listed.has(d.id))].sort((a, b) => Number(b.id) - Number(a.id));
    const waiting = page.items.filter((d) => d.replayedAt === null).length;
    byId('dlq-count').textContent = `(${waiting}${page.nextCursor ? '+' : ''} waiting)`;
    fillTable(table, items.map(row), showReplayed.checked ? 'The dead-letter queue is empty.' : 'Nothing waiting in the dead-letter queue.');
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!input.value.trim()) return;
    setAdminKey(input.value);
    input.value = '';
    error.textContent = '';
    opts.onChange();
    void refresh().catch((err: Error) => showLocked(err.message));
  });
  byId('admin-lock').addEventListener('click', () => {
    forgetAdminKey();
    showLocked();
    opts.onChange();
  });
  showReplayed.addEventListener('change', () => void refresh().catch(() => undefined));

  table.addEventListener('click', (e) => {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
    if (!button) return;
    const entry = items.find((d) => d.id === button.dataset.id);
    if (!entry) return;
    if (button.dataset.action === 'view') openViewer(dialog, entry);
    if (button.dataset.action === 'replay') void replay(entry, button);
  });

  const replay = async (entry: DeadLetterView, button: HTMLButtonElement): Promise<void> => {
    const key = adminKey();
    if (!key) return showLocked();
    button.disabled = true;
    button.textContent = 'Replaying…';
    try {
      const r = await callApi<{ id: string; replayed: boolean; jobId: string | null }>(`/dlq/${encodeURIComponent(entry.id)}/replay`, {
        method: 'POST',
        adminKey: key,
        idempotencyKey: `dashboard-replay-${entry.id}`,
      });
      entry.replayedAt = entry.replayedAt ?? new Date().toISOString();
      replayedHere.set(entry.id, entry);
      const tr = table.querySelector<HTMLTableRowElement>(`tr[data-id="${CSS.escape(entry.id)}"]`);
      tr?.replaceWith(row(entry));
      opts.announce(r.replayed ? `Dead letter ${entry.id} replayed${r.jobId ? ` as job ${r.jobId}` : ''}.` : `Dead letter ${entry.id} was already replayed.`, true);
      opts.onChange();
    } catch (err) {
      button.disabled = false;
      button.textContent = 'Replay';
      opts.announce(`Replay of ${entry.id} failed: ${(err as Error).message}`, false);
    }
  };

  return { refresh, unlocked: () => adminKey() !== null };
}

function describeRecord(d: DeadLetterView): string {
  const p = d.payload as { source?: unknown; entity?: unknown; externalId?: unknown } | null;
  if (p && typeof p === 'object' && typeof p.source === 'string') return `${p.source}/${String(p.entity)}/${String(p.externalId)}`;
  return `job ${d.jobId}`;
}

function row(d: DeadLetterView): HTMLTableRowElement {
  const replayed = d.replayedAt !== null;
  return h(
    'tr',
    { 'data-id': d.id, 'data-state': replayed ? 'replayed' : 'dead' },
    h('th', { scope: 'row' }, d.id),
    h('td', {}, d.queue),
    h('td', { class: 'mono', title: d.connectionId ? `connection ${d.connectionId}` : false }, describeRecord(d)),
    h('td', {}, d.reason),
    h('td', { class: 'note-cell', title: d.error.message }, `${d.error.name}: ${summarizeError(d.error.message)}`),
    h('td', { title: d.failedAt }, formatAgo(d.failedAt)),
    h('td', { class: 'dlq-state' }, replayed ? pill('replayed') : pill('dead', `dead after ${d.attempts}/${d.maxAttempts}`)),
    h(
      'td',
      { class: 'actions' },
      h('button', { type: 'button', class: 'small', 'data-action': 'view', 'data-id': d.id, 'aria-label': `View payload of dead letter ${d.id}` }, 'View'),
      ' ',
      h('button', { type: 'button', class: 'small primary', 'data-action': 'replay', 'data-id': d.id, disabled: replayed, 'aria-label': `Replay dead letter ${d.id}` }, replayed ? 'Replayed' : 'Replay'),
    ),
  );
}

function openViewer(dialog: HTMLDialogElement, d: DeadLetterView): void {
  byId('payload-title').textContent = `Dead letter ${d.id} · ${describeRecord(d)}`;
  byId('payload-error').textContent = [`${d.error.name}: ${d.error.message}`, d.error.details ? JSON.stringify(d.error.details, null, 2) : ''].filter(Boolean).join('\n');
  byId('payload-json').textContent = JSON.stringify(d.payload, null, 2);
  dialog.showModal();
}
