import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Bad input gets a clear error: the field named by its full path in the API's own style
 * (`scopes[0]`, `attachments[0].contentType`, `filter.status`: dots for objects, `[n]` for list
 * indices, docs/api.md), in the message and in details.field; a value outside a fixed list told
 * the allowed values; a custom header name told which header and why; an attachment type with
 * parameters (`text/plain; charset=utf-8`) taken. The HTTP layer and validation only, so SQLite.
 */
describe('precise validation errors', () => {
  let t: TestApp;
  type ErrorBody = { code: string; message: string; details?: Record<string, unknown> };
  const refused = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, payload?: object): Promise<ErrorBody & { status: number }> => {
    const res = await t.request({ method, url: `/api/v1${url}`, payload });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    return { status: res.statusCode, ...(res.json().error as ErrorBody) };
  };
  const message = { to: 'ann@example.net', subject: 'Hi', text: 'Hello' };

  beforeAll(async () => {
    t = await startTestApp('sqlite', { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
  });
  afterAll(async () => t?.close());

  describe('field paths: dots for objects, [n] for list indices', () => {
    it('names an item of a list by its index', async () => {
      expect(await refused('POST', '/api-keys', { name: 'k', scopes: ['nope'] })).toMatchObject({ status: 400, code: 'MAILROOM_E_VALIDATION', message: expect.stringMatching(/^scopes\[0\]: /), details: { field: 'scopes[0]' } });
      expect(await refused('POST', '/messages', { ...message, attachments: [{ filename: 'a.txt', contentType: 5, contentBase64: 'aGk=' }] })).toMatchObject({
        message: 'attachments[0].contentType: must be text, not a number',
        details: { field: 'attachments[0].contentType' },
      });
      expect(await refused('POST', '/messages', { ...message, attachments: [{ filename: 'a.txt' }] })).toMatchObject({ message: 'attachments[0].contentBase64: is required', details: { field: 'attachments[0].contentBase64' } });
    });

    it('names the field that names a purpose no one created', async () => {
      expect(await refused('POST', '/messages', { ...message, purpose: 'weekly_digest' })).toMatchObject({ status: 422, code: 'MAILROOM_E_UNKNOWN_PURPOSE', details: { field: 'purpose', purpose: 'weekly_digest' } });
    });

    it('names the item that is wrong in a field of several forms (an address or a list of them)', async () => {
      expect(await refused('POST', '/messages', { ...message, to: ['ann@example.net', 5] })).toMatchObject({ message: 'to[1]: must be text, not a number', details: { field: 'to[1]' } });
    });
  });

  describe('bounds in plain words, with what the request had', () => {
    it('says how many items a list must and did hold, how long text may be and how large a number', async () => {
      expect(await refused('POST', '/accounts/test', { accountIds: [] })).toMatchObject({ status: 400, code: 'MAILROOM_E_VALIDATION', message: 'accountIds: must list at least one item (it is empty)', details: { field: 'accountIds' } });
      expect(await refused('POST', '/api-keys', { name: 'k', scopes: Array(17).fill('send') })).toMatchObject({ message: 'scopes: must list at most 16 items (it has 17)', details: { field: 'scopes' } });
      // Scopes are a set: a repeat counts once, whatever the list's length ("at most 3 items"
      // sent the reader looking for a fourth scope).
      for (const scopes of [['admin', 'admin'], ['send', 'read', 'admin', 'admin']]) {
        const created = await t.request({ method: 'POST', url: '/api/v1/api-keys', payload: { name: 'k', scopes } });
        expect(created.statusCode, created.body).toBe(201);
        expect(created.json().scopes).toEqual([...new Set(scopes)]);
      }
      // Code points, as the schema counts them: 65 of "é" are 65 characters, not 130 bytes.
      expect(await refused('POST', '/messages', { ...message, purpose: 'é'.repeat(65) })).toMatchObject({ message: 'purpose: must be at most 64 characters (it has 65)', details: { field: 'purpose' } });
      expect(await refused('PUT', '/templates/welcome', { name: '', locales: { en: { subject: 'Hi' } } })).toMatchObject({ message: 'name: must not be empty', details: { field: 'name' } });
      expect(await refused('GET', '/templates/welcome/versions/0')).toMatchObject({ message: 'version: must be at least 1 (it is 0)', details: { field: 'version' } });
    });
  });

  describe('null where a field takes none', () => {
    it('tells a client that writes null for "none" to leave the field out, or that it is required', async () => {
      const before = (await t.request({ method: 'GET', url: '/api/v1/messages' })).json().items.length;
      expect(await refused('POST', '/messages', { ...message, cc: null })).toMatchObject({
        status: 400,
        code: 'MAILROOM_E_VALIDATION',
        message: 'cc: must be text or a list, not null (null is not accepted here: leave the field out instead)',
        details: { field: 'cc' },
      });
      expect(await refused('POST', '/messages', { ...message, sendAt: null })).toMatchObject({ message: 'sendAt: must be text or a number, not null (null is not accepted here: leave the field out instead)' });
      expect(await refused('POST', '/messages', { ...message, to: null })).toMatchObject({ message: 'to: must be text or a list, not null (the field is required)', details: { field: 'to' } });
      // Inside a list's item, by the item's own schema.
      expect(await refused('POST', '/messages', { ...message, attachments: [{ filename: null, contentBase64: 'aGk=' }] })).toMatchObject({
        message: 'attachments[0].filename: must be text, not null (the field is required)',
        details: { field: 'attachments[0].filename' },
      });
      expect(await refused('POST', '/events', { type: 'order.shipped', data: null })).toMatchObject({ message: 'data: must be an object, not null (null is not accepted here: leave the field out instead)', details: { field: 'data' } });
      expect(await refused('POST', '/events', { type: null })).toMatchObject({ message: 'type: must be text, not null (the field is required)' });
      // An item of a list or an entry of a map is not a field to leave out: its list is there.
      expect(await refused('POST', '/messages', { ...message, to: ['ann@example.net', null] })).toMatchObject({ message: 'to[1]: must be text, not null', details: { field: 'to[1]' } });
      expect(await refused('POST', '/api-keys', { name: 'k', scopes: [null] })).toMatchObject({ message: 'scopes[0]: must be text, not null', details: { field: 'scopes[0]' } });
      expect(await refused('POST', '/messages', { ...message, headers: { 'X-Ref': null } })).toMatchObject({ message: 'headers.X-Ref: must be text, not null' });
      expect((await t.request({ method: 'GET', url: '/api/v1/messages' })).json().items.length).toBe(before);
    });
  });

  describe('values outside a fixed list', () => {
    it('lists the allowed values', async () => {
      expect(await refused('POST', '/api-keys', { name: 'k', scopes: ['nope'] })).toMatchObject({
        message: 'scopes[0]: must be one of "send", "read", "admin"',
        details: { field: 'scopes[0]', allowed: ['send', 'read', 'admin'] },
      });
      expect(await refused('POST', '/users', { email: 'new@example.com', role: 'boss', password: 'long-enough-password' })).toMatchObject({
        code: 'MAILROOM_E_VALIDATION',
        message: 'role: must be one of "admin", "operator", "viewer"',
        details: { field: 'role', allowed: ['admin', 'operator', 'viewer'] },
      });
    });
  });

  describe("a bulk action's filter", () => {
    it('names a field of the filter by its full path', async () => {
      const unknown = await refused('POST', '/messages/retry', { filter: { status: ['nope'] } });
      expect(unknown).toMatchObject({ status: 400, code: 'MAILROOM_E_VALIDATION', details: { field: 'filter.status' } });
      expect(unknown.message).toMatch(/^filter\.status: "nope" is not a status; use queued, sending, deferred, sent, failed/);
      expect(await refused('POST', '/messages/cancel', { filter: { status: 'nope' } })).toMatchObject({ details: { field: 'filter.status' } });
      expect(await refused('POST', '/messages/retry', { filter: { status: ['sent'] } })).toMatchObject({ message: expect.stringMatching(/^filter\.status: only deferred, failed, expired, cancelled messages can be retried/), details: { field: 'filter.status' } });
      expect(await refused('POST', '/messages/cancel', { filter: { since: 'yesterday' } })).toMatchObject({ message: expect.stringMatching(/^filter\.since: /), details: { field: 'filter.since' } });
      expect(await refused('POST', '/messages/retry', { filter: { status: [5] } })).toMatchObject({ message: 'filter.status[0]: must be text, not a number', details: { field: 'filter.status[0]' } });
    });

    it('says a fraction where a whole number goes is a fraction ("not a number" read as NaN)', async () => {
      expect(await refused('PATCH', '/settings', { retention: { days: 7.5 } })).toMatchObject({ message: 'retention.days: must be a whole number or null, not a fraction', details: { field: 'retention.days' } });
    });

    it('takes in a JSON body what a query string cannot say: instants as numbers, read as a boolean', async () => {
      // Epoch milliseconds are a JSON number everywhere else in a body (webhook replay's since/until).
      const later = Date.now() + 86_400_000;
      for (const filter of [{ status: 'queued', since: later }, { status: 'queued', since: String(later) }, { direction: 'in', read: true }, { direction: 'in', read: 'false' }]) {
        const res = await t.request({ method: 'POST', url: '/api/v1/messages/cancel', payload: { filter } });
        expect(res.statusCode, `${JSON.stringify(filter)}: ${res.body}`).toBe(200);
      }
      expect(await refused('POST', '/messages/cancel', { filter: { status: 'queued', until: true } })).toMatchObject({ message: 'filter.until: must be text or a number, not true', details: { field: 'filter.until' } });
      for (const read of [1, 'yes']) {
        expect(await refused('POST', '/messages/cancel', { filter: { read } })).toMatchObject({ message: 'filter.read: must be one of true, false, "true", "false"', details: { field: 'filter.read', allowed: [true, false, 'true', 'false'] } });
      }
    });

    it('lists the statuses in details.allowed, as every fixed list does', async () => {
      expect(await refused('GET', '/messages?status=sentt')).toMatchObject({ details: { field: 'status', allowed: expect.arrayContaining(['queued', 'sent', 'failed']) } });
      expect(await refused('POST', '/messages/cancel', { filter: { status: ['sentt'] } })).toMatchObject({ details: { field: 'filter.status', allowed: expect.arrayContaining(['queued']) } });
    });

    it('still names a query parameter of GET /messages by its own name', async () => {
      expect(await refused('GET', '/messages?status=nope')).toMatchObject({ details: { field: 'status' } });
    });

    it('refuses a purpose no message can have (ALERT matched nothing, silently), in the list and in a bulk filter', async () => {
      const said = 'must be a purpose key such as "password_reset"';
      expect(await refused('GET', '/messages?purpose=ALERT')).toMatchObject({ code: 'MAILROOM_E_VALIDATION', message: `purpose: ${said}`, details: { field: 'purpose' } });
      expect(await refused('POST', '/messages/cancel', { filter: { purpose: 'two factor' } })).toMatchObject({ message: `filter.purpose: ${said}`, details: { field: 'filter.purpose' } });
      const ok = await t.request({ method: 'GET', url: '/api/v1/messages?purpose=alert' });
      expect(ok.statusCode, ok.body).toBe(200);
    });
  });

  describe('custom header names', () => {
    it('says which header and which character, and what a name may hold', async () => {
      const rule = 'a header name is 1 to 76 printable ASCII characters (codes 33 to 126) other than ":" (RFC 5322 field-name)';
      expect(await refused('POST', '/messages', { ...message, headers: { 'X-Bad Name': 'v' } })).toMatchObject({
        status: 400,
        code: 'MAILROOM_E_HEADER_NOT_ALLOWED',
        message: `headers.X-Bad Name: the header name has a space at position 6; ${rule}`,
        details: { field: 'headers.X-Bad Name' },
      });
      expect(await refused('POST', '/messages', { ...message, headers: { 'X-ü': 'v' } })).toMatchObject({
        message: `headers.X-ü: the header name has "ü" (U+00FC, not ASCII) at position 3; ${rule}`,
        details: { field: 'headers.X-ü' },
      });
      expect(await refused('POST', '/messages', { ...message, headers: { '': 'v' } })).toMatchObject({ message: `headers: a header name is empty; ${rule}`, details: { field: 'headers.' } });
      const injected = await refused('POST', '/messages', { ...message, headers: { 'X-A\nB': 'v' } });
      expect(injected).toMatchObject({ code: 'MAILROOM_E_HEADER_INJECTION', details: { field: 'headers.X-A\\nB' } });
      expect(injected.message).toMatch(/^headers\.X-A\\nB: the header name contains a line break/);
    });

    it('takes an X- name of any RFC 5322 field-name characters', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { ...message, headers: { 'X-Campaign_Id.v2': '7' } } });
      expect(res.statusCode, res.body).toBe(202);
    });
  });

  describe('attachment media types', () => {
    it('takes text/plain; charset=utf-8 and keeps its parameters', async () => {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { ...message, attachments: [{ filename: 'a.txt', contentType: 'text/plain;charset="utf-8"', contentBase64: 'aGk=' }] } });
      expect(res.statusCode, res.body).toBe(202);
      const stored = await t.request({ method: 'GET', url: `/api/v1/messages/${res.json().id}` });
      expect(stored.json().attachments).toEqual([expect.objectContaining({ filename: 'a.txt', contentType: 'text/plain; charset=utf-8' })]);
    });

    it('says what form a type takes when it does not parse', async () => {
      expect(await refused('POST', '/messages', { ...message, attachments: [{ filename: 'a.txt', contentType: 'text/plain; charset', contentBase64: 'aGk=' }] })).toMatchObject({
        code: 'MAILROOM_E_VALIDATION',
        message: expect.stringMatching(/^attachments\[0\]\.contentType: the parameter "charset" is not name=value .*such as text\/plain; charset=utf-8$/),
        details: { field: 'attachments[0].contentType' },
      });
    });
  });
});
