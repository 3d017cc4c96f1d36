import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * Events raised at the same moment: the same event id sent several times at once (an
 * application retrying before the first answer came back) is stored once and its mail made
 * once; contact submissions from one address at once get one auto-reply. The store decides
 * (a unique key, an atomic claim), so both dialects are tried.
 */
await describeEachDialect('events raised at once', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log', MAILROOM_MAIL_FROM_ADDRESS: 'app@example.com' } });
    const rule = await t.request({ method: 'POST', url: '/api/v1/rules', payload: { name: 'Approvers', events: ['access.request.created'], recipients: { roles: ['approver'] }, template: 'access_request' } });
    expect(rule.statusCode, rule.body).toBe(201);
    const s = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { contactAutoReply: { enabled: true, subject: 'Re: {subject}', body: 'Hello {name}, thanks.' } } });
    expect(s.statusCode, s.body).toBe(200);
  });
  afterAll(async () => t?.close());

  const messages = async () => (await t.request({ method: 'GET', url: '/api/v1/messages?limit=500' })).json().items as { id: string; to: string[]; purpose: string }[];

  it('the same event id five times at once: one event, one set of messages, every answer the same', async () => {
    const event = {
      type: 'access.request.created',
      id: 'ar-race-1',
      data: { company: 'Acme', requester: { name: 'Rita', email: 'rita@acme.test' }, resource: { name: 'Wiki' }, reason: 'r', review_url: 'https://app.example.com/ar/1' },
      recipients: { approver: ['abe@acme.test', 'olga@acme.test'] },
    };
    const before = (await messages()).length;
    const answers = await Promise.all(Array.from({ length: 5 }, () => t.request({ method: 'POST', url: '/api/v1/events', payload: event })));
    for (const a of answers) expect(a.statusCode, a.body).toBe(202);
    const bodies = answers.map((a) => a.json() as { duplicate: boolean; matches: { messageIds: string[] }[] });
    expect(bodies.filter((b) => !b.duplicate)).toHaveLength(1);
    const ids = bodies[0].matches.flatMap((m) => m.messageIds);
    expect(ids).toHaveLength(2);
    for (const b of bodies) expect(b.matches.flatMap((m) => m.messageIds)).toEqual(ids);
    const after = await messages();
    expect(after.length - before).toBe(2);
    expect(after.filter((m) => ids.includes(m.id)).map((m) => m.to[0]).sort()).toEqual(['abe@acme.test', 'olga@acme.test']);
    const list = (await t.request({ method: 'GET', url: '/api/v1/events?type=access.request.created' })).json().items as { id: string }[];
    expect(list.filter((e) => e.id === event.id)).toHaveLength(1);
  });

  it('four contact submissions from one address at once: one auto-reply, the others "answered_today"', async () => {
    const before = (await messages()).filter((m) => m.to[0].toLowerCase() === 'ann@example.net').length;
    const answers = await Promise.all(
      [1, 2, 3, 4].map((i) => t.request({ method: 'POST', url: '/api/v1/events', payload: { type: 'contact.submitted', id: `contact-race-${i}`, data: { name: 'Ann', email: i % 2 ? 'ann@example.net' : 'ANN@example.net', subject: `Question ${i}` } } })),
    );
    for (const a of answers) expect(a.statusCode, a.body).toBe(202);
    const matches = answers.map((a) => (a.json() as { matches: { messageIds: string[]; skipped?: { code: string } }[] }).matches[0]);
    expect(matches.filter((m) => m.messageIds.length === 1)).toHaveLength(1);
    expect(matches.filter((m) => m.skipped?.code === 'answered_today')).toHaveLength(3);
    expect((await messages()).filter((m) => m.to[0].toLowerCase() === 'ann@example.net').length - before).toBe(1);
  });
});
