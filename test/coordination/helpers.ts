/** Shared fixtures of the coordination tests: a second pool on the test database, a manual-clock driver, a real sealer. */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createPool, type Pool } from '../../src/db/index.ts';
import type { ManualClock } from '../../src/resilience/index.ts';
import type { SecretSealer } from '../../src/coordination/index.ts';

/** A pool of its own on `url`: what a second worker process would have. */
export function otherProcessPool(url: string): Pool {
  return createPool(url, { max: 10, application: 'buffalo-test-other' });
}

/**
 * Run `n` workers on a manual clock; time moves to the next pending sleep only once every
 * active worker has been asleep for a few real ms (none is mid-query, and the gates' background
 * writes have landed), so the schedule is the same on every run.
 */
export async function runWorkers<T>(clock: ManualClock, n: number, body: (i: number) => Promise<T>): Promise<T[]> {
  let active = n;
  let settled = false;
  const all = Promise.all(
    Array.from({ length: n }, async (_, i) => {
      try {
        return await body(i);
      } finally {
        active--;
      }
    }),
  ).finally(() => {
    settled = true;
  });
  all.catch(() => undefined);
  const giveUpAt = Date.now() + 60_000;
  let quietPolls = 0;
  while (!settled) {
    if (Date.now() > giveUpAt) throw new Error(`runWorkers: stuck; ${active} active, sleeps ${JSON.stringify(clock.pending())}`);
    const pending = clock.pending();
    quietPolls = active > 0 && pending.length >= active ? quietPolls + 1 : 0;
    if (quietPolls >= 4) {
      quietPolls = 0;
      await clock.advanceTo(pending[0]!.wakeAt);
    } else await new Promise((r) => setTimeout(r, 2));
  }
  return all;
}

/** Most events in any window of `windowMs` (events sorted or not). */
export function busiestWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while (sorted[hi]! - sorted[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** A real AES-256-GCM sealer (iv.tag.ciphertext, base64url), standing in for the connections secret box. */
export function testSealer(key: Buffer = randomBytes(32)): SecretSealer {
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
    },
    open(sealed) {
      const [iv, tag, body] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'));
      if (!iv || !tag || !body) throw new Error('malformed sealed value');
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}
