/**
 * The secret keys of the Stripe simulator's accounts. On Stripe a key belongs to exactly one
 * account and sees only that account's objects; here account 1 keeps the development key (or the
 * operator's) and account n ≥ 2 is reached with a key that carries its number, so tests can
 * derive it without asking the simulator.
 */

/** Account 1's development key. */
export const STRIPE_DEV_API_KEY = 'sk_test_buffalo_sandbox';
/** Start of the keys of accounts 2…n (the account number follows). */
export const STRIPE_ACCOUNT_KEY_PREFIX = 'sk_test_buffalo_sandbox_acct';

/** The secret key of account `n` (account 1: the development key). */
export function stripeAccountKey(n: number): string {
  return n === 1 ? STRIPE_DEV_API_KEY : `${STRIPE_ACCOUNT_KEY_PREFIX}${n}`;
}
