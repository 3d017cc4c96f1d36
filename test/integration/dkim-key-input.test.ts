import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dkimKeyTool } from '../../src/secrets/dkim-keypair.js';
import { RSA_4104_BIT_PEM } from '../helpers/oversized-dkim-key.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * PUT /dkim/:domain input a hunter found mishandled: an empty or null privateKey generated a new
 * key over an imported one (docs/api.md: "" in a write-only secret field is 400 VALIDATION that
 * changes nothing), an empty selector put "mailroom" back, a domain no address can have
 * (ex_ample.com) got a key, and an imported key above 4096 bits was taken although verifiers
 * need handle only up to 4096 (RFC 8301 §3.2).
 */
let t: TestApp;
const put = (domain: string, payload: unknown) => t.request({ method: 'PUT', url: `/api/v1/dkim/${domain}`, payload: payload as object });
const pem2048 = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

beforeAll(async () => {
  t = await startTestApp('sqlite');
});
afterAll(async () => t?.close());

it('refuses an empty or null privateKey and selector, naming the field; the imported key stays', async () => {
  const imported = await put('shop.example', { selector: 's2025', privateKey: pem2048() });
  expect(imported.statusCode, imported.body).toBe(200);
  const before = imported.json();
  expect(before).toMatchObject({ source: 'imported', selector: 's2025' });
  for (const [payload, field] of [
    [{ privateKey: '' }, 'privateKey'],
    [{ privateKey: null }, 'privateKey'],
    [{ privateKey: '  \n' }, 'privateKey'],
    [{ selector: '' }, 'selector'],
    [{ selector: null }, 'selector'],
    [{ selector: '', privateKey: '' }, 'selector'],
  ] as const) {
    const res = await put('shop.example', payload);
    expect(res.statusCode, `${JSON.stringify(payload)}: ${res.body}`).toBe(400);
    expect(res.json().error, JSON.stringify(payload)).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field } });
  }
  const after = (await t.request({ method: 'GET', url: '/api/v1/dkim/shop.example' })).json();
  expect(after).toMatchObject({ source: 'imported', selector: 's2025', publicKey: before.publicKey, version: before.version });
});

it('refuses a domain no address can have (a label with "_", or starting or ending with "-")', async () => {
  for (const domain of ['ex_ample.com', '-shop.example', 'shop-.example', '_dmarc.example']) {
    const res = await put(domain, { keyBits: 1024 });
    expect(res.statusCode, `${domain}: ${res.body}`).toBe(400);
    expect(res.json().error, domain).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'domain' } });
    expect(res.json().error.message, domain).toMatch(/is not a (valid host name|mail domain)/);
  }
  // A label over 63 characters is named as such (it breaks no spelling rule).
  const long = `${'b'.repeat(70)}.example`;
  const tooLong = await put(long, { keyBits: 1024 });
  expect(tooLong.statusCode, tooLong.body).toBe(400);
  expect(tooLong.json().error.message).toMatch(/label b{70} is 70 characters; a label is at most 63$/);
  expect((await t.request({ method: 'GET', url: '/api/v1/dkim' })).json().items.map((k: { domain: string }) => k.domain)).toEqual(['shop.example']);
  expect((await put('xn--bcher-kva.example', { keyBits: 1024 })).statusCode).toBe(200);
});

it('refuses an imported key above 4096 bits, saying why', async () => {
  const res = await put('big.example', { privateKey: RSA_4104_BIT_PEM });
  expect(res.statusCode, res.body).toBe(400);
  expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'privateKey' } });
  expect(res.json().error.message).toContain('is 4104 bits');
  expect(res.json().error.message).toContain('4096');
  expect((await t.request({ method: 'GET', url: '/api/v1/dkim/big.example' })).statusCode).toBe(404);
});

it('generates keys without holding the event loop: generate() answers a promise', async () => {
  const pending = dkimKeyTool.generate(1024);
  expect(pending).toBeInstanceOf(Promise);
  expect(await pending).toMatchObject({ bits: 1024, privateKeyPem: expect.stringContaining('BEGIN PRIVATE KEY') });
});
