/**
 * How a secret appears on a terminal: its kind prefix and last four characters (`bk_…a1b2`),
 * enough to tell which key is in force without printing one an operator set.
 */

const VISIBLE_TAIL = 4;
// Shorter than this, the tail would give away too much of the secret: show the prefix only.
const MIN_LENGTH_FOR_TAIL = 12;

/** `bk_…a1b2` for `bk_…` keys, `…a1b2` for unprefixed ones, `…` for short ones. */
export function maskSecret(secret: string): string {
  const prefix = /^[A-Za-z]{1,8}_/.exec(secret)?.[0] ?? '';
  const tail = secret.length >= MIN_LENGTH_FOR_TAIL ? secret.slice(-VISIBLE_TAIL) : '';
  return `${prefix}…${tail}`;
}
