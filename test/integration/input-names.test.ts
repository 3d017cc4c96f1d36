import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Names people give things and people are one line of text (the shared rule `label` in
 * src/core/kernel/validate.ts): a line break in one would be echoed into lists, audit entries
 * and log lines. And values that would be stored to do nothing (a locale that is not one) are
 * refused naming the field. Nothing is stored.
 */
await describeEachDialect('names are one line, settings are what they say', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'PUT', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const refused = async (method: 'POST' | 'PATCH' | 'PUT', url: string, payload: object) => {
    const res = await api(method, url, payload);
    expect(res.statusCode, `${url} ${res.body}`).toBe(400);
    return res.json().error as { code: string; message: string; details: { field?: string } };
  };

  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it("a user's name: one line, refused on create and on change", async () => {
    const users = (await api('GET', '/users')).json().items.length as number;
    for (const name of ['Ann\r\nBcc: eve@example.net', 'Ann\tDoe', 'Ann\u0007']) {
      expect(await refused('POST', '/users', { email: 'ann@example.com', name, password: 'correct-horse-battery-2', role: 'viewer' }), JSON.stringify(name)).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: 'name: must be one line of text, without control characters',
        details: { field: 'name' },
      });
    }
    expect((await api('GET', '/users')).json().items.length).toBe(users);
    const created = await api('POST', '/users', { email: 'ann@example.com', name: '  Ann Doe  ', password: 'correct-horse-battery-2', role: 'viewer' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().name).toBe('Ann Doe');
    const id = created.json().id as string;
    let version = created.json().version as number;
    expect((await refused('PATCH', `/users/${id}`, { name: 'Ann\nAdmin', version })).details.field).toBe('name');
    expect((await api('GET', `/users`)).json().items.find((u: { id: string }) => u.id === id).name).toBe('Ann Doe');
    // No name stays allowed: null, "" or spaces.
    for (const name of [null, '', '   ']) {
      const res = await api('PATCH', `/users/${id}`, { name, version });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().name).toBeNull();
      version = res.json().version;
    }
  });

  it('names of servers, relay credentials, API keys: the same rule', async () => {
    for (const [url, body] of [
      ['/servers', { name: 'relay\r\nX-Evil: 1', smtp: { host: 'smtp.example.com' } }],
      ['/smtp-credentials', { name: 'app\nlabel', allowedFrom: ['@example.com'] }],
      ['/api-keys', { name: 'ci\u0000', scopes: ['send'] }],
    ] as const) {
      expect((await refused('POST', url, body)).details.field, url).toBe('name');
    }
    expect((await api('GET', '/smtp-credentials')).json().items).toEqual([]);
  });

  it('C1 controls and Unicode line separators are not one line of text either', async () => {
    // U+0085 (NEL), U+2028 and U+2029 are line breaks to many viewers and log readers; the rest of
    // U+0080–U+009F are controls no name holds.
    for (const name of ['a\u0085b', 'a\u2028b', 'a\u2029b', 'a\u009bb', 'V\u0085']) {
      for (const [url, body] of [
        ['/api-keys', { name, scopes: ['send'] }],
        ['/users', { email: 'vic@example.com', name, password: 'correct-horse-battery-2', role: 'viewer' }],
        ['/servers', { name, smtp: { host: 'smtp.example.com' } }],
      ] as const) {
        expect(await refused('POST', url, body), `${url} ${JSON.stringify(name)}`).toEqual({
          code: 'MAILROOM_E_VALIDATION',
          message: 'name: must be one line of text, without control characters',
          details: { field: 'name' },
        });
      }
    }
    expect((await api('GET', '/users')).json().items.some((u: { email: string }) => u.email === 'vic@example.com')).toBe(false);
    // An account's display name, which becomes the From header's name, alike.
    const server = (await api('POST', '/servers', { name: 'for fromName', smtp: { host: 'smtp.example.com' } })).json();
    for (const fromName of ['Evil\u0085x', 'a\u2028b']) {
      expect(await refused('POST', '/accounts', { serverId: server.id, address: 'from-name@example.com', fromName }), JSON.stringify(fromName)).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: 'fromName: must be one line of text, without control characters',
        details: { field: 'fromName' },
      });
    }
    // Letters beyond Latin-1 stay names: only the controls are refused.
    const ok = await api('POST', '/api-keys', { name: 'Zoë’s key — ü', scopes: ['send'] });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it("a purpose's description is one line, as a webhook's and a secret's are", async () => {
    for (const description of ['a\r\nb', 'a\tb', 'a\u0085b', 'a\u2028b']) {
      expect(await refused('POST', '/purposes', { key: 'p_one_line', description }), JSON.stringify(description)).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: 'description: must be one line of text, without control characters',
        details: { field: 'description' },
      });
      const alert = (await api('GET', '/purposes/alert')).json();
      expect((await refused('PUT', '/purposes/alert', { description, version: alert.version })).details.field).toBe('description');
    }
    expect((await api('GET', '/purposes/p_one_line')).statusCode).toBe(404);
    const created = await api('POST', '/purposes', { key: 'p_one_line', description: '  Weekly digest  ' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().description).toBe('Weekly digest');
    expect((await refused('PATCH', '/purposes/p_one_line', { description: 'x\ny', version: created.json().version })).details.field).toBe('description');
  });

  it('a defaultLocale that is not a locale tag is refused naming the field and not stored', async () => {
    const before = (await api('GET', '/settings')).json().defaultLocale.value as string;
    for (const defaultLocale of ['not a locale!!', 'en\n', '', 'e']) {
      expect(await refused('PATCH', '/settings', { defaultLocale }), JSON.stringify(defaultLocale)).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'defaultLocale' } });
    }
    expect((await api('GET', '/settings')).json().defaultLocale.value).toBe(before);
    const ok = await api('PATCH', '/settings', { defaultLocale: 'de-at' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().defaultLocale.value).toBe('de-AT');
  });
});
