import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A relay credential's allowedFrom takes an exact address or "@example.com" for a whole
 * domain (docs/relay.md). "*@example.com" parses as an address (a "*" is a legal character of a
 * local part), so it used to be stored as one and never matched any sender: every wildcard-looking
 * entry is refused with MAILROOM_E_VALIDATION naming the entry and the form to write instead,
 * on create and on update, and nothing is stored.
 */
await describeEachDialect('SMTP credentials: wildcard allowedFrom entries', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());
  const api = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });

  const refused = (res: { statusCode: number; body: string; json(): unknown }, field: string, entry: string, domainHint = '@example.com') => {
    expect(res.statusCode, res.body).toBe(400);
    const e = (res.json() as { error: { code: string; message: string; details: Record<string, unknown> } }).error;
    expect(e.code).toBe('MAILROOM_E_VALIDATION');
    expect(e.details).toMatchObject({ field, input: entry });
    expect(e.message).toContain(`${field}: "${entry}"`);
    expect(e.message).toContain(`write "${domainHint}" for a whole domain`);
    return e;
  };

  it('refuses "*@example.com" and other wildcard forms on create, naming the entry', async () => {
    const cases: [string, string][] = [
      ['*@example.com', '@example.com'],
      ['*@Example.COM', '@example.com'],
      [' *@example.com ', '@example.com'],
      ['@*.example.com', '@example.com'],
      ['*.example.com', '@example.com'],
      ['app*@example.com', '@example.com'],
      ['*@*', '@example.com'],
      ['*', '@example.com'],
      ['@*', '@example.com'],
      ['%@example.com', '@example.com'],
      ['?@corp.example.org', '@corp.example.org'],
    ];
    for (const [entry, hint] of cases) {
      refused(await api('POST', '/smtp-credentials', { name: `Wild ${entry}`, allowedFrom: ['billing@example.com', entry] }), 'allowedFrom[1]', entry.trim(), hint);
    }
    expect((await api('GET', '/smtp-credentials')).json().items).toEqual([]);
  });

  it('refuses a wildcard on update and keeps what was stored', async () => {
    const created = await api('POST', '/smtp-credentials', { name: 'Billing', allowedFrom: ['billing@example.com', '@example.org'] });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    refused(await api('PATCH', `/smtp-credentials/${c.id}`, { version: c.version, allowedFrom: ['*@example.com'] }), 'allowedFrom[0]', '*@example.com');
    const after = (await api('GET', `/smtp-credentials/${c.id}`)).json();
    expect(after).toMatchObject({ allowedFrom: ['billing@example.com', '@example.org'], version: c.version });
  });

  it('still takes an exact address and a whole domain, as documented', async () => {
    const res = await api('POST', '/smtp-credentials', { name: 'Shop', allowedFrom: ['Shop@Example.com', '@Example.net'] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().allowedFrom).toEqual(['shop@example.com', '@example.net']);
  });
});
