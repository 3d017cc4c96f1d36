import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/outbox/ports.js';
import { postgresAvailable } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * How a process's group commit gathers its jobs on PostgreSQL (WORKER_GROUP_COMMIT in
 * group-commit-shape.ts): a process that serves the API commits a lone job at once (an accepted
 * message's 202 waits on it); a `mailroom worker`, on whose commits nobody waits, lets the first
 * job wait 30 ms for company, so that its claims and outcomes share transactions. Which
 * transaction wrote a row is its xmin.
 */
describe.skipIf(!(await postgresAvailable()))('group commit gathering by role (PostgreSQL)', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  /** Two jobs of the group commit, the second `laterMs` after the first; the transactions that wrote them. */
  async function twoJobs(app: TestApp, laterMs: number): Promise<string[]> {
    const res = await app.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['x@example.net'], subject: 'template', text: 'x', sendAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(res.statusCode).toBe(202);
    const store = app.app.ports.ctx.store;
    const template = (await store.repos.messages.get(res.json().id))!;
    const copy = (id: string): MessageRecord => ({ ...template, id, idempotencyKey: null, idempotencyScope: null });
    const first = store.grouped((r) => r.messages.insert(copy('msg_gather_first'), []));
    await new Promise((r) => setTimeout(r, laterMs));
    await Promise.all([first, store.grouped((r) => r.messages.insert(copy('msg_gather_second'), []))]);
    const rows = await sql<{ id: string; tx: string }>`select id, xmin::text as tx from messages where id in ('msg_gather_first', 'msg_gather_second') order by id`.execute(app.app.infra.db);
    return rows.rows.map((r) => r.tx);
  }

  it('a worker lets a lone job wait for company: two jobs 12 ms apart commit together', async () => {
    t = await startTestApp('postgres', { acceptsMail: false, env: { MAILROOM_MAIL_DRIVER: 'log' } });
    // Beyond the 10 ms it waited before, well within its 30.
    const [first, second] = await twoJobs(t, 12);
    expect(second).toBe(first);
  });

  it('a process that serves the API commits a lone job at once: the next one, 25 ms later, has its own transaction', async () => {
    t = await startTestApp('postgres', { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    const [first, second] = await twoJobs(t, 25);
    expect(second).not.toBe(first);
  });
});
