import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startMockVault, type MockProvider, type VaultState } from '../helpers/secret-provider-servers.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A Vault provider's `config.namespace` goes out as the X-Vault-Namespace header of every
 * request. A value no header can carry (a line break) or no Vault namespace can have (a space,
 * "..", a reserved name) used to be saved, and every read then failed as if Vault were down
 * ("could not be reached (invalid x-vault-namespace header)"), deferring mail. It is refused
 * when saved, naming the field and saying what a namespace path is; a stored one still loads.
 */
const TOKEN = 'hvs.namespace-token-Rt4';

await describeEachDialect('Vault provider namespace', (dialect) => {
  let t: TestApp;
  let vault: MockProvider;
  const state: VaultState = {
    secrets: new Map([['mail/smtp', [{ password: 'vault-ns-pw-Jd2' }]]]),
    tokens: new Map([[TOKEN, { ttl: 0, renewable: false }]]),
    approle: { roleId: 'r', secretId: 's', ttl: 3600 },
    logins: 0,
    renewals: 0,
  };

  const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<LightMyRequestResponse> =>
    t.request({ method, url: `/api/v1/${url}`, ...(payload ? { payload } : {}) });
  const create = (name: string, namespace: unknown) =>
    call('POST', 'secret-providers', { name, kind: 'vault', config: { address: vault.url, namespace, auth: 'token', caCertificate: vault.cert.cert }, credentials: { token: TOKEN } });
  const refusal = (res: LightMyRequestResponse) => {
    expect(res.statusCode, res.body).toBe(400);
    const error = res.json().error;
    expect(error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'config.namespace' } });
    // Says what a namespace may be, not only that this one is wrong.
    expect(error.message).toContain('names separated by single "/"');
    return error.message as string;
  };

  beforeAll(async () => {
    vault = await startMockVault(state);
    t = await startTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await vault?.stop();
  });

  it('refuses a namespace with a line break (a header injection) at save, naming the field', async () => {
    const message = refusal(await create('VaultNS', 'team\r\nX-Vault-Token: hvs.root-token'));
    expect(message).toContain('control character');
    const list = (await call('GET', 'secret-providers')).json().items as { name: string }[];
    expect(list.map((p) => p.name)).not.toContain('VaultNS');
  });

  it('refuses path tricks, blanks, reserved names and what a header cannot carry, each saying why', async () => {
    expect(refusal(await create('ns-tricks', '../../x y/??'))).toContain('space');
    const cases: [string, string][] = [
      ['team/../other', '".." name'],
      ['./team', '"." name'],
      ['team//sub', 'empty name'],
      ['/', 'empty name'],
      ['team sub', 'space'],
      [' team', 'space'],
      ['team\u00a0sub', 'space'],
      ['team\tsub', 'control character'],
      ['team\u2028sub', 'control character'],
      ['équipe', 'ASCII only'],
      ['sys', 'reserved'],
      ['team/auth', 'reserved'],
      ['root', 'leave namespace out'],
    ];
    for (const [namespace, why] of cases) {
      const message = refusal(await create(`ns-bad-${cases.findIndex((c) => c[0] === namespace)}`, namespace));
      expect(message, JSON.stringify(namespace)).toContain(why);
    }
  });

  it('takes namespace paths Vault takes, and sends them as X-Vault-Namespace', async () => {
    const kept: [string, string][] = [
      ['team', 'team'],
      ['team/sub', 'team/sub'],
      ['team/sub/', 'team/sub'],
      ['/admin/', 'admin'],
      ['Team-A_b.c/x~1', 'Team-A_b.c/x~1'],
      ['roots/system', 'roots/system'],
    ];
    for (const [i, [given, stored]] of kept.entries()) {
      const res = await create(`ns-good-${i}`, given);
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().config.namespace).toBe(stored);
    }
    const none = await create('ns-none', '');
    expect(none.json().config.namespace).toBeNull();

    const p = (await create('ns-used', 'team/sub')).json();
    const before = vault.requests.length;
    const test = (await call('POST', `secret-providers/${p.id}/test`, { reference: 'mail/smtp#password' })).json();
    expect(test).toMatchObject({ ok: true, length: 'vault-ns-pw-Jd2'.length });
    const sent = vault.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) expect(r.headers['x-vault-namespace']).toBe('team/sub');
  });

  it('refuses the same on PATCH, and changes nothing', async () => {
    const p = (await create('ns-patch', 'team')).json();
    const res = await call('PATCH', `secret-providers/${p.id}`, { version: p.version, config: { namespace: 'team\nX: y' }, credentials: { token: TOKEN } });
    expect(refusal(res)).toContain('control character');
    expect(refusal(await call('PATCH', `secret-providers/${p.id}`, { version: p.version, config: { namespace: 'team/../../x' }, credentials: { token: TOKEN } }))).toContain('".." name');
    const got = (await call('GET', `secret-providers/${p.id}`)).json();
    expect(got).toMatchObject({ version: p.version, config: { namespace: 'team' } });
    const moved = await call('PATCH', `secret-providers/${p.id}`, { version: p.version, config: { namespace: 'team/sub/' }, credentials: { token: TOKEN } });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().config.namespace).toBe('team/sub');
  });

  it('still loads a provider whose namespace an earlier version stored, and lets its other settings change', async () => {
    const p = (await create('ns-stored', 'team')).json();
    const store = t.app.ports.ctx.store;
    const stored = (await store.repos.secretProviders.get(p.id))!;
    const old = 'team one/../x';
    await store.transaction((repos) => repos.secretProviders.update({ ...stored, config: { ...stored.config, namespace: old }, version: stored.version + 1 }, stored.version));

    const got = await call('GET', `secret-providers/${p.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json().config.namespace).toBe(old);
    expect((await call('GET', 'secret-providers')).statusCode).toBe(200);
    // A refusal at input only: a change that leaves the namespace alone keeps it as it is.
    const renamed = await call('PATCH', `secret-providers/${p.id}`, { version: stored.version + 1, name: 'ns-stored-renamed' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().config.namespace).toBe(old);
    // Given again, it is judged like any input.
    refusal(await call('PATCH', `secret-providers/${p.id}`, { version: stored.version + 2, config: { namespace: old }, credentials: { token: TOKEN } }));
    // A read through it names the setting to change: not "could not be reached", and Vault is not asked.
    const asked = vault.requests.length;
    const test = await call('POST', `secret-providers/${p.id}/test`, { reference: 'mail/smtp#password' });
    expect(test.statusCode, test.body).toBe(200);
    expect(test.json()).toMatchObject({ ok: false, error: { message: expect.stringContaining("the provider's config.namespace contains a space: Vault namespace names cannot") } });
    expect(JSON.stringify(test.json())).not.toContain('could not be reached');
    expect(test.json().error.hint).toContain('Correct the namespace on the secret provider');
    expect(vault.requests.length).toBe(asked);
  });
});
