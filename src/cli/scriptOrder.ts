/** `buffalo order create` (npm run script:order): place one order with a fresh dev token and follow it to Delivered. */
import { randomUUID } from 'node:crypto';
import { signDevToken } from '../orders/index.ts';

/** Options of {@link scriptOrder}. */
export interface ScriptOrderOptions {
  baseUrl: string;
  jwtSecret: string;
  customerId?: string;
  /** Give up following the order after this long (default 60 s). */
  timeoutMs?: number;
  pollMs?: number;
  /** Output line sink (default console.log). */
  out?: (line: string) => void;
}

/** Result of {@link scriptOrder}. */
export interface ScriptOrderResult {
  order: Record<string, unknown>;
  finalStatus: string;
  history: Array<{ from: string | null; to: string; at: string }>;
}

// Seeded simulator products are prod_1..prod_N; a few have no stock, so we try another on a 409.
const PRODUCTS = 50;

/** Create one order, print it, poll until Delivered (or timeout) and print the history. */
export async function scriptOrder(opts: ScriptOrderOptions): Promise<ScriptOrderResult> {
  const out = opts.out ?? ((line: string) => console.log(line));
  const customerId = opts.customerId ?? `customer-${randomUUID().slice(0, 8)}`;
  const token = await signDevToken(opts.jwtSecret, customerId, 3600);
  const auth = { authorization: `Bearer ${token}` };
  let created: Record<string, unknown> | undefined;
  for (let attempt = 1; attempt <= 5 && !created; attempt++) {
    const body = {
      customerId,
      items: [
        { productId: `prod_${1 + Math.floor(Math.random() * PRODUCTS)}`, quantity: 2, price: 29.99 },
        { productId: `prod_${1 + Math.floor(Math.random() * PRODUCTS)}`, quantity: 1, price: '5.25' },
      ],
    };
    const res = await fetch(new URL('/api/orders', opts.baseUrl), {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status === 201) created = json;
    else if (res.status === 409 || res.status === 503) out(`attempt ${attempt}: ${res.status} ${String(json.error)} — ${String(json.message)}; trying again`);
    else throw new Error(`POST /api/orders answered ${res.status}: ${JSON.stringify(json)}`);
    if (!created && res.status === 503) await sleep(Number(json.retryAfter ?? 1) * 1000);
  }
  if (!created) throw new Error('could not place an order after 5 attempts');
  out(`created order ${String(created.id)} for ${customerId}: total ${String(created.total)} ${String(created.currency)}, status "${String(created.status)}"`);

  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let current: Record<string, unknown> = created;
  let lastStatus = String(created.status);
  while (Date.now() < deadline) {
    const res = await fetch(new URL(`/api/orders/${String(created.id)}`, opts.baseUrl), { headers: auth });
    current = (await res.json()) as Record<string, unknown>;
    if (current.status !== lastStatus) {
      lastStatus = String(current.status);
      out(`  → ${lastStatus}`);
    }
    if (lastStatus === 'Delivered') break;
    await sleep(opts.pollMs ?? 500);
  }
  const history = (current.history ?? []) as ScriptOrderResult['history'];
  out('history:');
  for (const h of history) out(`  ${h.at}  ${h.from ?? '(new)'} → ${h.to}`);
  if (lastStatus !== 'Delivered') out(`order not delivered yet (status "${lastStatus}"); are the workers running?`);
  return { order: created, finalStatus: lastStatus, history };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
