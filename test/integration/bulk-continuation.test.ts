import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A bulk call past its limit (10,000 per call) goes on where the last one stopped: `next` in its
 * answer, passed back as `cursor`. Without it a repeated "retry all deferred" retried the first
 * 10,000 again and again (those that failed again are deferred again and match again), and the
 * messages after them were never reached. And a bulk cancel says how many matching messages it
 * could not stop because a worker had claimed them already (`sending`).
 */
const LIMIT = 10_000;
const EXTRA = 5;
const HOUR = 3_600_000;

await describeEachDialect('bulk calls past the limit go on with a cursor', (dialect) => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8));
  let all: string[] = [];

  const post = (url: string, payload?: Record<string, unknown>) => t.request({ method: 'POST', url: `/api/v1${url}`, payload });
  const db = () => t.app.infra.db;
  const statusOf = async () => {
    const rows = (await sql<{ id: string; status: string }>`select id, status from messages where purpose = 'report' order by id`.execute(db())).rows;
    return new Map(rows.map((r) => [r.id, r.status]));
  };
  /** Every report deferred again: what a retry whose attempts failed again leaves. */
  const deferAll = () => sql`update messages set status = 'deferred' where purpose = 'report'`.execute(db());

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    // Scheduled an hour ahead: a retried copy goes back on that schedule, nothing is sent.
    const res = await post('/messages', { purpose: 'report', to: ['r@example.net'], subject: 'Report', text: 'x', sendAt: new Date(clock.now() + HOUR).toISOString() });
    expect(res.statusCode).toBe(202);
    // LIMIT + EXTRA copies straight into the table (the template is one more), ids after the template's.
    const cols =
      dialect === 'sqlite'
        ? (await sql<{ name: string }>`select name from pragma_table_info('messages')`.execute(db())).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = 'messages' and table_schema = current_schema()`.execute(db())).rows.map((r) => r.name);
    const pad = dialect === 'sqlite' ? `printf('%024d', n.i)` : `lpad(n.i::text, 24, '0')`;
    const own: Record<string, string> = { id: `'msg_zz' || ${pad}`, message_id_header: `'<copy' || n.i || '@example.net>'` };
    const select = cols.map((c) => own[c] ?? `m.${c}`).join(', ');
    await sql
      .raw(`with recursive n(i) as (select 1 union all select i + 1 from n where i < ${LIMIT + EXTRA}) insert into messages (${cols.join(', ')}) select ${select} from messages m, n where m.id = '${res.json().id}'`)
      .execute(db());
    await deferAll();
    all = [...(await statusOf()).keys()];
    expect(all).toHaveLength(LIMIT + EXTRA + 1);
  }, 120_000);
  afterAll(async () => t?.close());

  it('retries the messages past the first 10,000 when called again with `next`, though the first ones failed again', async () => {
    const first = (await post('/messages/retry', { filter: { purpose: 'report', status: 'deferred' } })).json();
    expect(first).toEqual({ count: LIMIT, more: true, next: all[LIMIT - 1] });
    // Their attempts failed again: deferred again, matching the filter again.
    await deferAll();
    const rest = await post('/messages/retry', { filter: { purpose: 'report', status: 'deferred' }, cursor: first.next });
    expect(rest.json()).toEqual({ count: EXTRA + 1, more: false, next: null });
    const status = await statusOf();
    expect(all.filter((id) => status.get(id) === 'queued')).toEqual(all.slice(LIMIT));
    // Without a cursor the call starts from the oldest, as it always did.
    await deferAll();
    expect((await post('/messages/retry', { filter: { purpose: 'report', status: 'deferred' } })).json()).toEqual({ count: LIMIT, more: true, next: all[LIMIT - 1] });
  }, 60_000);

  it('refuses a cursor that is no message id', async () => {
    const res = await post('/messages/retry', { filter: { purpose: 'report' }, cursor: 'page-2' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'cursor' } });
  });

  it('cancels everything by calling again (cancelled ones do not match again), and with the cursor too', async () => {
    await sql`update messages set status = 'queued' where purpose = 'report'`.execute(db());
    const first = (await post('/messages/cancel', { filter: { purpose: 'report' } })).json();
    expect(first).toEqual({ count: LIMIT, more: true, next: all[LIMIT - 1], sending: 0 });
    expect((await post('/messages/cancel', { filter: { purpose: 'report' } })).json()).toEqual({ count: EXTRA + 1, more: false, next: null, sending: 0 });
    expect(new Set((await statusOf()).values())).toEqual(new Set(['cancelled']));
    await sql`update messages set status = 'queued' where purpose = 'report'`.execute(db());
    expect((await post('/messages/cancel', { filter: { purpose: 'report' }, cursor: all[LIMIT - 1] })).json()).toEqual({ count: EXTRA + 1, more: false, next: null, sending: 0 });
  }, 60_000);

  it('says how many matching messages a cancel could not stop because a worker had claimed them', async () => {
    await sql`update messages set status = 'queued' where purpose = 'report'`.execute(db());
    // Claimed by another process (a lease far ahead: nobody takes them back meanwhile), not attempted yet.
    const claimed = all.slice(-3);
    await sql`update messages set status = 'sending', lease_owner = 'elsewhere', lease_until = ${clock.now() + 24 * HOUR} where id in (${sql.join(claimed)})`.execute(db());
    const res = (await post('/messages/cancel', { filter: { purpose: 'report' }, cursor: all[LIMIT - 1] })).json();
    expect(res).toEqual({ count: EXTRA + 1 - 3, more: false, next: null, sending: 3 });
    // A status filter without `sending` asks nothing about them.
    expect((await post('/messages/cancel', { filter: { purpose: 'report', status: 'queued' } })).json()).toMatchObject({ sending: 0 });
  }, 60_000);
});
