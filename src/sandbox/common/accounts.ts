/**
 * Many accounts per simulator: each upstream account (a Stripe key, a HubSpot portal, a Google
 * service account or OAuth grant, an ad-platform client) owns its own seeded world. Account 1 is
 * the simulator's original world (unchanged data, credentials and knobs); accounts 2…n are
 * seeded from the simulator's seed and their number, and built only when first used, so
 * creating a thousand accounts costs a thousand counters, not a thousand data sets.
 *
 *   SANDBOX_<NAME>_ACCOUNTS=<n>           accounts at start (default 1)
 *   POST /__sandbox/accounts {records?}   → 201 { account, credentials }
 *   GET  /__sandbox/accounts              → { count, accounts: [{ account, credentials }] } (first 100)
 *   GET  /__sandbox/accounts/:n/truth     → that account's ground truth
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { FaultConfigError } from './faults.ts';
import { hash32 } from './random.ts';

/** Most accounts one simulator holds (bounds memory: worlds are lazy, but counters are not). */
export const MAX_ACCOUNTS = 10_000;

/** The seed of account `n`'s world: the simulator's own for account 1, a derived one otherwise. */
export function accountSeed(seed: number, n: number): number {
  return n === 1 ? seed : hash32(`${seed}:account:${n}`);
}

/** Accounts of one simulator and their lazily built worlds. */
export interface AccountBook<W> {
  /** Accounts that exist (numbered 1…count). */
  count(): number;
  /** True when account `n` exists. */
  has(n: number): boolean;
  /** Account `n`'s world, built on first use; `n` must exist. */
  world(n: number): W;
  /** Add an account (optionally with its own data-set size); returns its number. */
  create(opts?: { records?: number }): number;
  /** Drop every built world of accounts 2…n (after a knob change reshaped the data); rebuilt on next use. */
  forget(): void;
  /** Run `fn` on every world already built, account 1 included. */
  eachBuilt(fn: (world: W, n: number) => void): void;
}

/** Options of `createAccountBook`. */
export interface AccountBookOptions<W> {
  /** Accounts at start (≥ 1). */
  initial: number;
  /** Account 1's world (the simulator's original one, rebuilt by its fault world). */
  first: () => W;
  /** Build account `n` (≥ 2), with `records` when the account was created with its own size. */
  build: (n: number, records: number | undefined) => W;
}

/** An account book starting with `initial` accounts. */
export function createAccountBook<W>(opts: AccountBookOptions<W>): AccountBook<W> {
  let count = Math.min(Math.max(1, opts.initial), MAX_ACCOUNTS);
  const built = new Map<number, W>();
  const sizes = new Map<number, number>();
  return {
    count: () => count,
    has: (n) => Number.isInteger(n) && n >= 1 && n <= count,
    world(n) {
      if (n === 1) return opts.first();
      let w = built.get(n);
      if (w === undefined) {
        w = opts.build(n, sizes.get(n));
        built.set(n, w);
      }
      return w;
    },
    create(o = {}) {
      if (count >= MAX_ACCOUNTS) throw new Error(`at most ${MAX_ACCOUNTS} accounts per simulator`);
      count++;
      if (o.records !== undefined) sizes.set(count, o.records);
      return count;
    },
    forget: () => built.clear(),
    eachBuilt(fn) {
      fn(opts.first(), 1);
      for (const [n, w] of built) fn(w, n);
    },
  };
}

/** `SANDBOX_<NAME>_ACCOUNTS` (default 1); throws FaultConfigError naming the variable when bad. */
export function accountsFromEnv(name: string, env: Record<string, string | undefined> = {}): number {
  const varName = `SANDBOX_${name.toUpperCase()}_ACCOUNTS`;
  const raw = env[varName]?.trim();
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ACCOUNTS) throw new FaultConfigError(`${varName}: expected an integer from 1 to ${MAX_ACCOUNTS} (got ${JSON.stringify(raw)})`);
  return n;
}

// Keyed by the raw request: Fastify's request object differs between encapsulated contexts.
const bound = new WeakMap<object, number>();

/** Remember which account a request acts as (set by the simulator's auth hook). */
export function bindAccount(req: FastifyRequest, n: number): void {
  bound.set(req.raw, n);
}

/** The account a request acts as (1 when the auth hook bound none). */
export function accountOf(req: FastifyRequest): number {
  return bound.get(req.raw) ?? 1;
}

/** The number in a credential of the form `<prefix><n><suffix>`, when it names an existing account ≥ 2. */
export function accountInCredential(value: string | undefined, prefix: string, suffix: string, book: Pick<AccountBook<unknown>, 'has'>): number | undefined {
  if (!value?.startsWith(prefix) || !value.endsWith(suffix)) return undefined;
  const digits = value.slice(prefix.length, value.length - suffix.length);
  if (!/^[1-9]\d{0,5}$/.test(digits)) return undefined;
  const n = Number(digits);
  return n >= 2 && book.has(n) ? n : undefined;
}

/** Options of `registerAccountRoutes`. */
export interface AccountRouteOptions {
  book: AccountBook<unknown>;
  /** The credentials of account `n`, as a client of the upstream would use them. */
  credentials: (n: number) => Record<string, string>;
  /** Account `n`'s ground truth. */
  truth: (n: number) => unknown;
}

const createBody = z.object({ records: z.number().int().min(0).max(100_000) }).partial().strict();

/** Register the `/__sandbox/accounts` control routes. */
export function registerAccountRoutes(app: FastifyInstance, opts: AccountRouteOptions): void {
  app.post('/__sandbox/accounts', async (req, reply) => {
    const parsed = createBody.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'invalid_account', message: z.prettifyError(parsed.error) });
    if (opts.book.count() >= MAX_ACCOUNTS) return reply.code(409).send({ error: 'too_many_accounts', message: `at most ${MAX_ACCOUNTS} accounts` });
    const n = opts.book.create(parsed.data.records === undefined ? {} : { records: parsed.data.records });
    return reply.code(201).send({ account: n, credentials: opts.credentials(n) });
  });
  app.get('/__sandbox/accounts', async () => {
    const count = opts.book.count();
    const accounts = Array.from({ length: Math.min(count, 100) }, (_, i) => ({ account: i + 1, credentials: opts.credentials(i + 1) }));
    return { count, accounts };
  });
  app.get<{ Params: { n: string } }>('/__sandbox/accounts/:n/truth', async (req, reply) => {
    const n = Number(req.params.n);
    if (!opts.book.has(n)) return reply.code(404).send({ error: 'no_such_account', message: `no account ${req.params.n}` });
    return opts.truth(n);
  });
}
