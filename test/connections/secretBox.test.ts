import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, resolveConfig } from '../../src/config.ts';
import { withDevKeys } from '../../src/cli/devKeys.ts';
import { createSecretBox, keyIdOf, sealedKeyId, secretBoxFromConfig, SecretBoxError } from '../../src/connections/index.ts';

const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);
const SECRET = JSON.stringify({ apiKey: 'sk_live_very_secret_value_123' });

describe('secret box (AES-256-GCM)', () => {
  it('round trips; every seal has a fresh IV; the format is v1.<kid>.<iv>.<tag>.<ciphertext> and holds no plaintext or key', () => {
    const box = createSecretBox(KEY_A);
    const a = box.seal(SECRET, 'conn_a');
    const b = box.seal(SECRET, 'conn_a');
    assert.notEqual(a, b, 'random IV per seal');
    assert.equal(box.open(a, 'conn_a'), SECRET);
    const parts = a.split('.');
    assert.equal(parts.length, 5);
    assert.equal(parts[0], 'v1');
    assert.equal(parts[1], keyIdOf(KEY_A));
    assert.equal(sealedKeyId(a), box.keyId);
    assert.equal(Buffer.from(parts[2]!, 'base64url').length, 12);
    assert.equal(Buffer.from(parts[3]!, 'base64url').length, 16);
    assert.ok(!a.includes('very_secret'));
    assert.ok(!a.includes(KEY_A.toString('base64url')) && !a.includes(KEY_A.toString('hex')));
    assert.match(box.keyId, /^[0-9a-f]{12}$/);
    assert.ok(!KEY_A.toString('hex').startsWith(box.keyId), 'the key id is a hash, not a prefix of the key');
  });

  it('a tampered ciphertext, tag, IV or key id, or another context, fails to open with SecretBoxError', () => {
    const box = createSecretBox(KEY_A, [KEY_B]);
    const sealed = box.seal(SECRET, 'conn_a');
    const [v, kid, iv, tag, ct] = sealed.split('.') as [string, string, string, string, string];
    const flip = (s: string) => {
      const bytes = Buffer.from(s, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64url');
    };
    for (const bad of [[v, kid, iv, tag, flip(ct)], [v, kid, iv, flip(tag), ct], [v, kid, flip(iv), tag, ct], [v, keyIdOf(KEY_B), iv, tag, ct]]) {
      assert.throws(() => box.open(bad.join('.'), 'conn_a'), (err: Error) => err instanceof SecretBoxError && /failed authentication/.test(err.message));
    }
    assert.throws(() => box.open(sealed, 'conn_b'), SecretBoxError, 'bound to its connection');
    assert.throws(() => box.open('v2.x.y.z.w', 'conn_a'), /not a sealed value/);
    assert.throws(() => box.open(sealed.slice(0, 20), 'conn_a'), SecretBoxError);
  });

  it('a retired key still opens; a key outside the ring is named by id; a new box seals under the new key', () => {
    const old = createSecretBox(KEY_A);
    const sealed = old.seal(SECRET, 'conn_a');
    const rotated = createSecretBox(KEY_B, [KEY_A]);
    assert.equal(rotated.open(sealed, 'conn_a'), SECRET);
    assert.equal(sealedKeyId(rotated.seal(SECRET, 'conn_a')), keyIdOf(KEY_B));
    assert.deepEqual(rotated.keyIds, [keyIdOf(KEY_B), keyIdOf(KEY_A)]);
    const forgot = createSecretBox(KEY_B);
    assert.throws(() => forgot.open(sealed, 'conn_a'), (err: Error) => err.message.includes(keyIdOf(KEY_A)) && err.message.includes('BUFFALO_SECRET_KEYS_RETIRED') && !err.message.includes(KEY_A.toString('hex')));
  });

  it('the key ring comes from BUFFALO_SECRET_KEY and BUFFALO_SECRET_KEYS_RETIRED', () => {
    const config = resolveConfig({ BUFFALO_SECRET_KEY: KEY_B.toString('base64'), BUFFALO_SECRET_KEYS_RETIRED: KEY_A.toString('hex') });
    const box = secretBoxFromConfig(config.secrets)!;
    assert.equal(box.keyId, keyIdOf(KEY_B));
    assert.equal(box.open(createSecretBox(KEY_A).seal('x', 'c'), 'c'), 'x');
    assert.equal(secretBoxFromConfig(resolveConfig({}).secrets), undefined);
  });

  it('production config without BUFFALO_SECRET_KEY fails naming it', () => {
    const env = { NODE_ENV: 'production', API_KEY: 'bk_secret_box_test_key', ADMIN_API_KEY: 'bka_secret_box_test_key', JWT_SECRET: 'secret-box-test-jwt-secret-0123456789' };
    assert.throws(() => resolveConfig(env), (err: Error) => err instanceof ConfigError && err.problems.length === 1 && /^BUFFALO_SECRET_KEY: required when NODE_ENV=production/.test(err.problems[0]!));
    const key = randomBytes(32);
    assert.equal(withDevKeys(resolveConfig({ ...env, BUFFALO_SECRET_KEY: key.toString('hex') })).config.secrets.key, key.toString('base64url'));
  });

  it('in development an unset key is generated once into the dev keys file and reused', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'buffalo-secret-'));
    const first = withDevKeys(resolveConfig({ BUFFALO_DATA_DIR: dataDir }));
    assert.ok(first.generated.includes('secretKey'));
    const key = first.config.secrets.key!;
    assert.equal(Buffer.from(key, 'base64url').length, 32);
    assert.equal(JSON.parse(readFileSync(path.join(dataDir, 'dev-keys.json'), 'utf8')).secretKey, key);
    assert.equal(withDevKeys(resolveConfig({ BUFFALO_DATA_DIR: dataDir })).config.secrets.key, key, 'stable across starts');
    const own = withDevKeys(resolveConfig({ BUFFALO_DATA_DIR: dataDir, BUFFALO_SECRET_KEY: KEY_A.toString('hex') }));
    assert.equal(own.config.secrets.key, KEY_A.toString('base64url'));
    assert.ok(!own.generated.includes('secretKey'));
  });
});
