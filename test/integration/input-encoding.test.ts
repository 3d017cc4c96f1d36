import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Bytes and characters no stored text can hold are refused at the door, on both databases
 * alike, naming where they are: a body that is not UTF-8 (the offset of the first bad byte), a
 * charset other than UTF-8, a NUL anywhere in a JSON body (the field), a control character in
 * a path parameter (the parameter). Nothing is sent or stored.
 */
await describeEachDialect('input encoding: refused at the door, the same on both databases', (dialect) => {
  let t: TestApp;
  type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  const api = (method: Method, url: string, payload?: object | Buffer | string, headers?: Record<string, string>) =>
    t.request({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload } : {}), ...(headers ? { headers } : {}) });
  const error = async (res: Awaited<ReturnType<typeof api>>, status = 400) => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json().error as { code: string; message: string; details?: Record<string, unknown> };
  };
  const count = async (url: string) => (await api('GET', url)).json().items.length as number;
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  it('a message body with a byte that is not UTF-8 is refused with its offset, not sent with U+FFFD', async () => {
    const before = await count('/messages?limit=500');
    // printf '{"to":"a@example.com","subject":"\xff","text":"x"}'
    const body = Buffer.concat([Buffer.from('{"to":"a@example.com","subject":"'), Buffer.from([0xff]), Buffer.from('","text":"x"}')]);
    expect(await error(await api('POST', '/messages', body, json))).toEqual({
      code: 'MAILROOM_E_MALFORMED_JSON',
      message: 'the request body is not valid UTF-8: the bytes at offset 33 are not a UTF-8 character (JSON must be sent as UTF-8)',
      details: { offset: 33 },
    });
    // A sequence cut short at the very end of the body.
    const cut = Buffer.concat([Buffer.from('{"to":"a@example.com","subject":"s","text":"caf'), Buffer.from([0xc3])]);
    expect((await error(await api('POST', '/messages', cut, json))).details).toEqual({ offset: 47 });
    expect(await count('/messages?limit=500')).toBe(before);
  });

  it('a charset other than UTF-8 is refused naming content-type; utf-8 in any spelling is taken', async () => {
    const before = await count('/messages?limit=500');
    const text = JSON.stringify({ to: 'a@example.com', subject: 's', text: 'x' });
    for (const charset of ['iso-8859-1', 'windows-1252', 'utf-16']) {
      expect(await error(await api('POST', '/messages', text, { 'content-type': `application/json; charset=${charset}` }))).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: `content-type: the body must be UTF-8 JSON; charset=${charset} is not accepted (send charset=utf-8, or no charset)`,
        details: { field: 'content-type', accepted: ['application/json'] },
      });
    }
    expect(await count('/messages?limit=500')).toBe(before);
    for (const type of ['application/json; charset=utf-8', 'application/json; charset=UTF-8', 'application/json']) {
      const res = await api('POST', '/messages', Buffer.from(JSON.stringify({ to: 'a@example.com', subject: 'Grüße', text: 'é' })), { 'content-type': type });
      expect(res.statusCode, `${type} ${res.body}`).toBe(202);
    }
  });

  it('a 10 MiB attachment is read without a slow pass over its bytes', async () => {
    const contentBase64 = Buffer.alloc(10 * 1024 * 1024, 0x61).toString('base64');
    const payload = JSON.stringify({ to: 'a@example.com', subject: 'big', text: 'x', attachments: [{ filename: 'a.txt', contentType: 'text/plain', contentBase64 }] });
    const started = performance.now();
    const res = await api('POST', '/messages', payload, json);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(202);
    // Generous: the checks are native (isUtf8, indexOf); a JS loop per byte would take seconds.
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('a NUL anywhere in a JSON body: 400 naming the field on both databases, nothing stored', async () => {
    const suppressions = await count('/suppressions');
    const messages = await count('/messages?limit=500');
    const cases: [Method, string, object, string][] = [
      ['POST', '/suppressions', { address: 'nul@example.net', detail: 'a\u0000b' }, 'detail'],
      ['POST', '/purposes', { key: 'nul_test', description: 'a\u0000b' }, 'description'],
      ['POST', '/messages', { to: 'a@example.com', subject: 's', text: 't', idempotencyKey: 'a\u0000b' }, 'idempotencyKey'],
      ['POST', '/messages', { to: ['a@example.com'], subject: 's', text: 't', attachments: [{ filename: 'a\u0000.txt', contentBase64: 'YQ==' }] }, 'attachments[0].filename'],
      ['POST', '/messages', { to: 'a@example.com', subject: 's', text: 't', headers: { 'X-A\u0000': 'v' } }, 'headers.X-A\\u0000'],
      ['POST', '/messages', { to: ['a@example.com', 'b\u0000@example.com'], subject: 's', text: 't' }, 'to[1]'],
    ];
    for (const [method, url, payload, field] of cases) {
      expect(await error(await api(method, url, payload)), `${url} ${field}`).toEqual({
        code: 'MAILROOM_E_VALIDATION',
        message: `${field}: must not contain a NUL character (\\u0000); no text Mailroom keeps can hold one`,
        details: { field },
      });
    }
    expect(await count('/suppressions')).toBe(suppressions);
    expect(await count('/messages?limit=500')).toBe(messages);
    expect((await api('GET', '/purposes/nul_test')).statusCode).toBe(404);
    // Sign-in too: the same answer, before any lookup (SQLite said "wrong password", PostgreSQL 400).
    const login = await t.request({ method: 'POST', url: '/api/v1/session', key: null, payload: { email: 'a\u0000b@example.com', password: 'x' } });
    expect(login.statusCode, login.body).toBe(400);
    expect(login.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'email' } });
    // The text "\u0000" written out (a backslash, then u0000) is just text.
    expect((await api('POST', '/suppressions', { address: 'literal@example.net', detail: 'see \\u0000' })).statusCode).toBe(201);
  });

  it('a control character in a path parameter: 400 naming it, not 404 on one database and 400 on the other', async () => {
    for (const [url, field] of [
      ['/servers/a%00b', 'id'],
      ['/messages/a%00b', 'id'],
      ['/templates/x%0d%0a', 'key'],
      ['/suppressions/a%00@example.net', 'address'],
    ] as const) {
      const method = url.startsWith('/suppressions') ? 'DELETE' : 'GET';
      expect(await error(await api(method, url)), url).toEqual({ code: 'MAILROOM_E_VALIDATION', message: `${field}: must not contain control characters (a NUL, a line break, a tab)`, details: { field } });
    }
    expect(await error(await api('GET', '/servers/srv_nothing'), 404)).toMatchObject({ code: 'MAILROOM_E_NOT_FOUND' });
  });
});
