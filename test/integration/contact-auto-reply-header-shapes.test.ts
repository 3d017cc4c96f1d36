import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The contact auto-reply reads `data.headers` in every shape applications pass them: a map of
 * text or lists of text (Go's net/mail, many frameworks), a list of [name, value] pairs (or
 * { name, value } objects), the raw header block. An automated submission in any of them is
 * never answered (a mail loop otherwise); a shape it cannot read answers nobody, with its own code.
 */
await describeEachDialect('contact auto-reply: header shapes', (dialect) => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp(dialect);
    // Delivery never starts: the answers stay queued, only what the event made of them is looked at.
    const server = await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'relay', smtp: { host: '127.0.0.1', port: 49001, security: 'none', requireTls: false } } });
    const account = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: server.json().id, address: 'hello@example.com' } });
    expect(account.statusCode, account.body).toBe(201);
    const s = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { contactAutoReply: { enabled: true, accountId: account.json().id } } });
    expect(s.statusCode, s.body).toBe(200);
  });
  afterAll(async () => t?.close());

  /** What the auto-reply made of one submission with these headers (each from a new address, so the 24 hours never decide). */
  const autoReply = async (headers: unknown): Promise<{ messageIds: string[]; skipped?: { code: string; message: string } }> => {
    const i = ++n;
    const data: Record<string, unknown> = { name: 'Ann', email: `visitor${i}@example.net`, subject: 'Hello' };
    if (headers !== undefined) data.headers = headers;
    const res = await t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'contact.submitted', id: `contact-shape-${i}`, data } });
    expect(res.statusCode, res.body).toBe(202);
    const match = res.json().matches.find((m: { ruleId: string }) => m.ruleId === 'contact-auto-reply');
    expect(match).toBeDefined();
    return match;
  };

  it('a map with lists of values: every value is tested, names in any case', async () => {
    for (const headers of [
      { 'Auto-Submitted': ['auto-replied'] },
      { 'auto-submitted': ['no', 'auto-generated'] },
      { PRECEDENCE: ['bulk'] },
      { 'List-Id': ['<news.example.org>'] },
      { 'List-Unsubscribe': ['<mailto:leave@example.org>'] },
    ]) {
      const m = await autoReply(headers);
      expect(m, JSON.stringify(headers)).toMatchObject({ messageIds: [], skipped: { code: 'automated_sender' } });
    }
  });

  it('a list of [name, value] pairs or { name, value } objects', async () => {
    for (const headers of [
      [['Auto-Submitted', 'auto-replied']],
      [['Subject', 'Hi'], ['precedence', 'list']],
      [{ name: 'Auto-Submitted', value: 'auto-generated' }],
      [{ Name: 'List-Id', Value: 'news.example.org' }],
    ]) {
      const m = await autoReply(headers);
      expect(m, JSON.stringify(headers)).toMatchObject({ messageIds: [], skipped: { code: 'automated_sender' } });
    }
  });

  it('the raw header block, continuation lines unfolded, CRLF or LF', async () => {
    for (const headers of [
      'Auto-Submitted: auto-replied\r\n',
      'Subject: Hello\nPrecedence: junk\n',
      'Subject: Hello\r\nList-Id:\r\n <news.example.org>\r\n',
      'Subject: Hello\r\nAuto-Submitted:\r\n\tauto-generated\r\n\r\nthe body',
    ]) {
      const m = await autoReply(headers);
      expect(m, JSON.stringify(headers)).toMatchObject({ messageIds: [], skipped: { code: 'automated_sender' } });
    }
  });

  it('people are answered in every shape: Auto-Submitted: no, ordinary headers, none at all', async () => {
    for (const headers of [
      undefined,
      null,
      {},
      { 'Auto-Submitted': 'no' },
      { 'Auto-Submitted': ['no'], Subject: ['Hi'] },
      [['Subject', 'Hi']],
      [],
      'Subject: Hi\r\nFrom: Ann <ann@example.net>\r\n',
      // What follows the blank line is the body, not headers.
      'Subject: Hi\r\n\r\nAuto-Submitted: auto-replied\r\n',
      '',
    ]) {
      const m = await autoReply(headers);
      expect(m, JSON.stringify(headers)).not.toHaveProperty('skipped');
      expect(m.messageIds).toHaveLength(1);
    }
  });

  it('headers in no shape it can read answer nobody: skipped invalid_headers, the event stored', async () => {
    for (const headers of [
      42,
      true,
      { 'Auto-Submitted': { value: 'auto-replied' } },
      { 'Auto-Submitted': [1] },
      [['Auto-Submitted']],
      [1, 2],
      ['Auto-Submitted: auto-replied'],
      'this is no header block',
    ]) {
      const m = await autoReply(headers);
      expect(m, JSON.stringify(headers)).toMatchObject({ messageIds: [], skipped: { code: 'invalid_headers', message: expect.stringContaining('data.headers') } });
    }
  });
});
