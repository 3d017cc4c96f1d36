import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey } from '../../src/core/access/api-keys.service.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { enableWebhookEndpoint, startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The suppression list through the API: add, list, remove, each audited; refused input with
 * precise codes; and a send to a listed address skips that recipient (status `suppressed`
 * with the reason), while the others are still delivered; with every recipient listed the
 * message is `suppressed` and never attempted. A webhook-bound `message.suppressed` is journaled.
 */
await describeEachDialect('suppressions', (dialect) => {
  let t: TestApp;
  let dispatcher: Dispatcher;
  let readKey: string;
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, key?: string) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}), ...(key ? { key } : {}) });

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com', MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    // Events are journaled (for webhooks) while an endpoint is enabled.
    await enableWebhookEndpoint(t);
    dispatcher = await t.app.startDelivery({ loop: false });
    readKey = (await createApiKey(t.app.ports.ctx, { label: 'test', ip: null }, { name: 'reader', scopes: ['read'], allowOverride: false }, null)).key;
  });
  afterAll(async () => t?.close());

  it('adds, lists and removes an address, auditing each change', async () => {
    const add = await api('POST', '/suppressions', { address: 'Gone@Example.NET', detail: 'asked to stop' });
    expect(add.statusCode).toBe(201);
    expect(add.json()).toMatchObject({ address: 'gone@example.net', reason: 'manual', detail: 'asked to stop', sourceMessageId: null, createdBy: expect.stringMatching(/^apikey:test-admin/), expiresAt: null });
    expect(add.json().createdAt).toMatch(/^\d{4}-/);
    await api('POST', '/suppressions', { address: 'later@example.net', expiresAt: '9999-01-01T00:00:00Z' });
    const list = (await api('GET', '/suppressions', undefined, readKey)).json();
    expect(list.items.map((s: { address: string }) => s.address)).toEqual(['gone@example.net', 'later@example.net']);
    expect(list.nextCursor).toBeNull();
    const page = (await api('GET', '/suppressions?limit=1')).json();
    expect(page.items.map((s: { address: string }) => s.address)).toEqual(['gone@example.net']);
    expect((await api('GET', `/suppressions?limit=1&cursor=${page.nextCursor}`)).json().items[0].address).toBe('later@example.net');
    expect((await api('GET', '/suppressions?q=LATER')).json().items.map((s: { address: string }) => s.address)).toEqual(['later@example.net']);

    expect((await api('DELETE', '/suppressions/LATER%40example.net')).statusCode).toBe(204);
    expect((await api('DELETE', '/suppressions/later%40example.net')).json().error.code).toBe('MAILROOM_E_NOT_FOUND');
    const audit = (await api('GET', '/audit?targetType=suppression')).json().items;
    expect(audit.map((a: { action: string; target: unknown }) => a.action).sort()).toEqual(['suppression.add', 'suppression.add', 'suppression.remove']);
  });

  it('refuses what it cannot honour, each with a precise code, and changes nothing', async () => {
    const cases: [Record<string, unknown>, number, string, string?][] = [
      [{}, 400, 'MAILROOM_E_VALIDATION'],
      [{ address: 'not an address' }, 400, 'MAILROOM_E_INVALID_ADDRESS'],
      [{ address: 'Bea <bea@example.net>' }, 400, 'MAILROOM_E_VALIDATION', 'address'],
      [{ address: 'x@example.net', reason: 'hard_bounce' }, 400, 'MAILROOM_E_VALIDATION', 'reason'],
      [{ address: 'x@example.net', expiresAt: '2001-01-01T00:00:00Z' }, 400, 'MAILROOM_E_VALIDATION', 'expiresAt'],
      [{ address: 'x@example.net', source: 'me' }, 400, 'MAILROOM_E_UNKNOWN_FIELD'],
      [{ address: 'gone@example.net' }, 409, 'MAILROOM_E_DUPLICATE', 'address'],
    ];
    for (const [body, status, code, field] of cases) {
      const res = await api('POST', '/suppressions', body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([status, code]);
      if (field) expect(res.json().error.details?.field, JSON.stringify(body)).toBe(field);
    }
    expect((await api('POST', '/suppressions', { address: 'y@example.net' }, readKey)).statusCode).toBe(403);
    expect((await api('GET', '/suppressions')).json().items.map((s: { address: string }) => s.address)).toEqual(['gone@example.net']);
    // The one reason an admin gives is the one listed as allowed: not the four the list knows.
    for (const reason of ['hard_bounce', 'nope']) {
      expect((await api('POST', '/suppressions', { address: 'x@example.net', reason })).json().error).toMatchObject({ details: { field: 'reason', allowed: ['manual'] } });
    }
    expect((await api('POST', '/suppressions', { address: 'x@example.net', reason: 'nope' })).json().error.message).toBe('reason: must be "manual" (or left out): the only reason an admin gives');
  });

  it('finds and removes an address as it was typed: a domain in Unicode, the entry kept in ASCII', async () => {
    const add = await api('POST', '/suppressions', { address: 'ann@bücher.example' });
    expect(add.json().address).toBe('ann@xn--bcher-kva.example');
    expect((await api('GET', `/suppressions?q=${encodeURIComponent('bücher')}`)).json().items.map((s: { address: string }) => s.address)).toEqual(['ann@xn--bcher-kva.example']);
    expect((await api('GET', `/suppressions?q=${encodeURIComponent('ANN@Bücher.example')}`)).json().items).toHaveLength(1);
    // A display name is refused as adding refuses it, not answered "does not exist".
    const named = await api('DELETE', `/suppressions/${encodeURIComponent('Ann <ann@bücher.example>')}`);
    expect([named.statusCode, named.json().error.details]).toEqual([400, { field: 'address' }]);
    expect((await api('DELETE', `/suppressions/${encodeURIComponent('Ann@Bücher.example')}`)).statusCode).toBe(204);
    expect((await api('GET', '/suppressions?q=xn--bcher-kva')).json().items).toEqual([]);
  });

  it('skips a suppressed recipient at accept time and delivers to the others', async () => {
    const res = await api('POST', '/messages', { to: ['ok@example.net', 'GONE@example.net'], subject: 'Partly', text: 'x' });
    expect(res.statusCode).toBe(202);
    expect(res.json().status).toBe('queued');
    await dispatcher.drain();
    const m = (await api('GET', `/messages/${res.json().id}`)).json();
    expect(m.status).toBe('logged');
    const byAddress = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
    expect(byAddress['ok@example.net'].status).toBe('accepted');
    expect(byAddress['GONE@example.net']).toMatchObject({ status: 'suppressed', response: 'GONE@example.net is suppressed (manual: asked to stop)' });
    // A manual retry is no way around the list.
    expect((await api('POST', `/messages/${res.json().id}/retry`)).statusCode).toBe(409);
  });

  it('suppresses a message whose every recipient is listed: never attempted, journaled for webhooks', async () => {
    const res = await api('POST', '/messages', { to: ['gone@example.net'], subject: 'Nobody', text: 'x', idempotencyKey: 'supp-1' });
    expect(res.json()).toEqual({ id: expect.stringMatching(/^msg_/), status: 'suppressed', duplicate: false });
    await dispatcher.drain();
    const m = (await api('GET', `/messages/${res.json().id}`)).json();
    expect(m).toMatchObject({ status: 'suppressed', attemptCount: 0, attempts: [] });
    expect(m.lastError).toContain('every recipient is on the suppression list');
    expect((await api('GET', '/messages?status=suppressed')).json().items.map((i: { id: string }) => i.id)).toContain(res.json().id);
    const journal = await t.app.infra.db.selectFrom('event_journal').selectAll().where('message_id', '=', res.json().id).execute();
    expect(journal.map((j) => j.type)).toEqual(['message.suppressed']);
    expect(JSON.parse(journal[0].data)).toMatchObject({ status: 'suppressed', idempotencyKey: 'supp-1', recipients: [{ address: 'gone@example.net', status: 'suppressed' }] });
    // Removed from the list: the next send goes out.
    await api('DELETE', '/suppressions/gone%40example.net');
    const again = await api('POST', '/messages', { to: ['gone@example.net'], subject: 'Back', text: 'x' });
    expect(again.json().status).toBe('queued');
    await dispatcher.drain();
    expect((await api('GET', `/messages/${again.json().id}`)).json().status).toBe('logged');
  });

  // The settings' global copies (an archive) go with a message, never in its place: with every
  // addressee listed the message is suppressed, not "sent" to the archive alone, which told the
  // application (waitFor, message.sent) that mail reached a person who never got it.
  it('suppresses a message whose every addressee is listed even when global copies would go', async () => {
    await api('POST', '/suppressions', { address: 'left@example.net' });
    expect((await api('PATCH', '/settings', { globalBcc: ['archive@example.com'] })).statusCode).toBe(200);
    try {
      const res = await api('POST', '/messages', { purpose: 'alert', to: ['left@example.net'], subject: 'Nobody but the archive', text: 'x' });
      expect(res.json()).toEqual({ id: expect.stringMatching(/^msg_/), status: 'suppressed', duplicate: false });
      await dispatcher.drain();
      const m = (await api('GET', `/messages/${res.json().id}`)).json();
      expect(m).toMatchObject({ status: 'suppressed', attemptCount: 0, attempts: [] });
      const byAddress = Object.fromEntries(m.recipients.map((r: { address: string }) => [r.address, r]));
      expect(byAddress['left@example.net'].status).toBe('suppressed');
      expect(byAddress['archive@example.com']).toMatchObject({ status: 'suppressed', response: expect.stringContaining('global copy') });
      // With one addressee left, the copies go as before.
      const partly = await api('POST', '/messages', { purpose: 'alert', to: ['left@example.net', 'stays@example.net'], subject: 'Partly', text: 'x' });
      expect(partly.json().status).toBe('queued');
      await dispatcher.drain();
      const p = (await api('GET', `/messages/${partly.json().id}`)).json();
      expect(p.status).toBe('logged');
      expect(p.recipients.find((r: { address: string }) => r.address === 'archive@example.com').status).toBe('accepted');
    } finally {
      await api('PATCH', '/settings', { globalBcc: [] });
    }
  });
});
