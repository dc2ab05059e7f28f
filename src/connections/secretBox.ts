/**
 * The secret box: AES-256-GCM sealing of connection credentials at rest (node:crypto).
 *
 * Sealed format, one ASCII string: `v1.<kid>.<iv>.<tag>.<ciphertext>` — iv (96 bits, random per
 * seal), GCM tag (128 bits) and ciphertext in base64url. `kid` names the key that sealed it: a
 * short hash of the key, never the key, so a row says which key opens it and a rotation can tell
 * which rows still need re-sealing. The version, the kid and a caller-given context (the
 * connection id) are authenticated as additional data: a sealed value edited in place, or copied
 * onto another connection's row, fails to open instead of decrypting into the wrong account.
 *
 * The key ring comes from the config: BUFFALO_SECRET_KEY seals and opens; each of
 * BUFFALO_SECRET_KEYS_RETIRED only opens (docs/connections.md, "Rotating the key").
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
// Domain separation: the key id is a hash of the key that is useless as anything else.
const KEY_ID_LABEL = 'buffalo secret box key id\0';

/** Seals and opens secrets under the configured key ring. */
export interface SecretBox {
  /** Id of the key new seals use. */
  readonly keyId: string;
  /** Ids of every key this box can open with (current first). */
  readonly keyIds: readonly string[];
  /** Seal `plaintext`, bound to `context` (the same context must be given to open it). */
  seal(plaintext: string, context: string): string;
  /** Open a sealed value; throws SecretBoxError when it is corrupt, tampered with, bound to another context or sealed under an unknown key. */
  open(sealed: string, context: string): string;
}

/** A sealed value that cannot be opened; the message never contains key material or plaintext. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** The key id of a 32-byte key: 12 hex digits of a labelled SHA-256. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update(KEY_ID_LABEL).update(key).digest('hex').slice(0, 12);
}

/** The id of the key that sealed `sealed` (read from its header; nothing is decrypted). */
export function sealedKeyId(sealed: string): string {
  return parseSealed(sealed).kid;
}

/** A box over `current` (seals and opens) and `retired` keys (open only); each 32 bytes. */
export function createSecretBox(current: Buffer, retired: readonly Buffer[] = []): SecretBox {
  for (const key of [current, ...retired]) {
    if (key.length !== KEY_BYTES) throw new SecretBoxError(`a secret box key must be ${KEY_BYTES} bytes, got ${key.length}`);
  }
  const ring = new Map<string, Buffer>();
  for (const key of [current, ...retired]) ring.set(keyIdOf(key), key);
  const keyId = keyIdOf(current);

  return {
    keyId,
    keyIds: [...ring.keys()],
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData(keyId, context));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, keyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ciphertext.toString('base64url')].join('.');
    },
    open(sealed, context) {
      const parts = parseSealed(sealed);
      const key = ring.get(parts.kid);
      if (!key) {
        throw new SecretBoxError(`sealed under key ${parts.kid}, which is neither BUFFALO_SECRET_KEY (${keyId}) nor one of BUFFALO_SECRET_KEYS_RETIRED`);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(additionalData(parts.kid, context));
        decipher.setAuthTag(parts.tag);
        return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
      } catch {
        // GCM says only "unable to authenticate": the value, its header or its context changed.
        throw new SecretBoxError(`sealed value under key ${parts.kid} failed authentication (tampered with, truncated, or belongs to another record)`);
      }
    },
  };
}

/** The box of the configured key ring, or undefined when no key is configured (tests; dev keys fill it otherwise). */
export function secretBoxFromConfig(secrets: Config['secrets']): SecretBox | undefined {
  if (!secrets.key) return undefined;
  return createSecretBox(Buffer.from(secrets.key, 'base64url'), secrets.retiredKeys.map((k) => Buffer.from(k, 'base64url')));
}

function additionalData(kid: string, context: string): Buffer {
  return Buffer.from(`${VERSION}.${kid}.${context}`, 'utf8');
}

function parseSealed(sealed: string): { kid: string; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const parts = sealed.split('.');
  const [version, kid, iv, tag, ciphertext] = parts;
  if (parts.length !== 5 || version !== VERSION || !kid || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw new SecretBoxError(`not a sealed value (expected ${VERSION}.<kid>.<iv>.<tag>.<ciphertext>)`);
  }
  const bytes = { iv: Buffer.from(iv, 'base64url'), tag: Buffer.from(tag, 'base64url'), ciphertext: Buffer.from(ciphertext, 'base64url') };
  if (bytes.iv.length !== IV_BYTES || bytes.tag.length !== TAG_BYTES) throw new SecretBoxError(`sealed value under key ${kid} is malformed`);
  return { kid, ...bytes };
}
