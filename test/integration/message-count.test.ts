import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { countMessages } from '../../src/core/outbox/message-count.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * GET /messages/count: how many messages a filter of the log matches, by status, so that a bulk
 * retry or cancel can say what it would take and leave before anyone confirms it.
 */
const HOUR = 3_600_000;

await describeEachDialect('counting the messages a filter matches', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  const get = (url: string) => t.request({ method: 'GET', url });
  const post = (url: string, payload: Record<string, unknown>) => t.request({ method: 'POST', url, payload });

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    const sendAt = new Date(clock.now() + HOUR).toISOString();
    // 5 reports waiting for their hour, 3 of them then cancelled; 2 alerts waiting too.
    const reports: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await post('/api/v1/messages', { purpose: 'report', to: [`r${i}@example.net`], subject: `Weekly report ${i}`, text: 'x', sendAt });
      expect(res.statusCode, res.body).toBe(202);
      reports.push(res.json().id);
    }
    for (const id of reports.slice(0, 3)) expect((await post(`/api/v1/messages/${id}/cancel`, {})).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await post('/api/v1/messages', { purpose: 'alert', to: [`a${i}@example.net`], subject: `Disk full ${i}`, text: 'x', sendAt })).statusCode).toBe(202);
  });
  afterAll(async () => t?.close());

  it('counts every status among what matches, and what a status filter keeps', async () => {
    expect((await get('/api/v1/messages/count')).json()).toEqual({ total: 7, more: false, byStatus: { queued: 4, cancelled: 3 } });
    expect((await get('/api/v1/messages/count?purpose=report')).json()).toEqual({ total: 5, more: false, byStatus: { queued: 2, cancelled: 3 } });
    expect((await get('/api/v1/messages/count?purpose=report&status=cancelled,failed')).json()).toEqual({ total: 3, more: false, byStatus: { cancelled: 3 } });
    expect((await get(`/api/v1/messages/count?q=${encodeURIComponent('disk FULL')}`)).json()).toEqual({ total: 2, more: false, byStatus: { queued: 2 } });
    expect((await get('/api/v1/messages/count?recipient=r4@example.net')).json()).toEqual({ total: 1, more: false, byStatus: { queued: 1 } });
    expect((await get('/api/v1/messages/count?purpose=nothing')).json()).toEqual({ total: 0, more: false, byStatus: {} });
  });

  it('agrees with what a bulk retry then takes', async () => {
    const before = (await get('/api/v1/messages/count?purpose=report&status=cancelled')).json();
    const retried = (await post('/api/v1/messages/retry', { filter: { purpose: 'report' } })).json();
    expect(retried).toEqual({ count: before.total, more: false, next: null });
    expect((await get('/api/v1/messages/count?purpose=report')).json()).toEqual({ total: 5, more: false, byStatus: { queued: 5 } });
  });

  it('stops at the cap and then gives no breakdown, which would be of some of them only', async () => {
    const ctx = t.app.ports.ctx;
    expect(await countMessages(ctx, {}, 6)).toEqual({ total: 6, more: true, byStatus: null });
    expect(await countMessages(ctx, {}, 7)).toMatchObject({ total: 7, more: false });
  });

  it('refuses a filter as the list does, naming the parameter', async () => {
    const bad = await get('/api/v1/messages/count?status=shipped');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'status' } });
    const unknown = await get('/api/v1/messages/count?limit=5');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toContain('limit');
  });
});
