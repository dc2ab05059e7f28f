import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createJwtVerifier, signDevToken } from '../../src/orders/index.ts';
import { AppError } from '../../src/errors.ts';

const exp = () => Math.floor(Date.now() / 1000) + 600;

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof AppError && err.code === 'unauthorized' && pattern.test(err.message));
}

describe('JWT verifier (jose): JWKS keys, pinned algorithms, issuer and audience', () => {
  let server: Server;
  let jwksUrl: string;
  let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
  let ec: Awaited<ReturnType<typeof generateKeyPair>>;
  before(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    const keys = [{ ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256' }, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256' }];
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(async () => {
    await new Promise((r) => server.close(r));
  });

  it('accepts RS256 and ES256 tokens from the JWKS; rejects HS256 and unknown keys there', async () => {
    const verify = createJwtVerifier({ jwtJwksUrl: jwksUrl });
    const rs = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setSubject('cust-rs').setExpirationTime(exp()).sign(rsa.privateKey);
    const es = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'ec-1' }).setSubject('cust-es').setExpirationTime(exp()).sign(ec.privateKey);
    assert.deepEqual(await verify(rs), { sub: 'cust-rs' });
    assert.deepEqual(await verify(es), { sub: 'cust-es' });
    await rejects(verify(await signDevToken('some-shared-secret-0123456789abcdef', 'x')), /algorithm not allowed/);
    const stranger = await generateKeyPair('RS256');
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setSubject('x').setExpirationTime(exp()).sign(stranger.privateKey);
    await rejects(verify(forged), /signature/);
  });

  it('checks iss and aud when configured', async () => {
    const secret = 'issuer-test-secret-0123456789abcdefgh';
    const verify = createJwtVerifier({ jwtSecret: secret, jwtIssuer: 'https://idp.example', jwtAudience: 'buffalo-orders' });
    assert.deepEqual(await verify(await signDevToken(secret, 'ok', 60, { issuer: 'https://idp.example', audience: 'buffalo-orders' })), { sub: 'ok' });
    await rejects(verify(await signDevToken(secret, 'x', 60, { issuer: 'https://evil.example', audience: 'buffalo-orders' })), /claim iss/);
    await rejects(verify(await signDevToken(secret, 'x', 60, { issuer: 'https://idp.example', audience: 'other' })), /claim aud/);
    await rejects(verify(await signDevToken(secret, 'x', 60)), /claim iss/);
  });

  it('a token that verified once is accepted from memory until its exp, then refused as expired', async () => {
    const secret = 'cache-test-secret-0123456789abcdefghij';
    let clock = Date.now();
    const verify = createJwtVerifier({ jwtSecret: secret, clockToleranceS: 0 }, { now: () => clock });
    const token = await signDevToken(secret, 'cached', 30);
    assert.deepEqual(await verify(token), { sub: 'cached' });
    clock += 29_000;
    assert.deepEqual(await verify(token), { sub: 'cached' });
    clock += 2_000;
    await rejects(verify(token), /expired/);
    // Same payload, another signature: the memory is keyed by the whole token, so it is checked.
    const [h, p] = token.split('.');
    clock -= 31_000;
    await rejects(verify(`${h}.${p}.${'A'.repeat(43)}`), /signature/);
  });

  it('refuses to start without a secret or a JWKS URL', () => {
    assert.throws(() => createJwtVerifier({}), /JWT_SECRET or JWT_JWKS_URL/);
  });
});
