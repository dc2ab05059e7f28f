/**
 * Buffalo's verdict that a connection stopped working (its token refresh was refused): status
 * `broken` with the reason, and a notice to NOTIFY_WEBHOOK_URL so someone reconnects it. Only the
 * process that changes the status sends the notice, so it is sent once however many notice it.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { postOperatorNotice, type OperatorNoticeTarget } from '../notices/index.ts';
import type { Provider } from './providerSchemas.ts';

/** What the webhook receives when a connection breaks. */
export interface ConnectionBrokenNotice {
  type: 'connection.broken';
  connectionId: string;
  provider: Provider;
  reason: string;
}

/** Delivers a notice; a failure is logged, never thrown (the connection is broken either way). */
export type NotifyBroken = (notice: ConnectionBrokenNotice) => Promise<void>;

/** Send notices as operator notices (NOTIFY_WEBHOOK_URL, signed when a secret is set; nothing when no URL is set). */
export function operatorNotifier(target: OperatorNoticeTarget, logger: Logger): NotifyBroken {
  return async (notice) => {
    try {
      await postOperatorNotice(target, { id: `connection.broken:${notice.connectionId}:${randomUUID()}`, body: notice });
    } catch (err) {
      logger.warn({ connectionId: notice.connectionId, err: (err as Error).message }, 'connection.broken notice not delivered to NOTIFY_WEBHOOK_URL');
    }
  };
}

/** Mark connection `id` broken with `reason`; true when this call changed it (and sent the notice). */
export async function markBroken(pool: Pool, id: string, provider: Provider, reason: string, notify: NotifyBroken): Promise<boolean> {
  const { rowCount } = await pool.query("UPDATE connections SET status = 'broken', status_reason = $2, updated_at = now() WHERE id = $1 AND status <> 'broken'", [id, reason]);
  if (!rowCount) return false;
  await notify({ type: 'connection.broken', connectionId: id, provider, reason });
  return true;
}
