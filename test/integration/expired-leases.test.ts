import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EXPIRED_LEASES_BATCH, expiredLeases } from '../../src/store/repositories/message-leases.js';
import type { DB } from '../../src/store/schema.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/*
 * Every worker looks for messages whose lease ran out (a crashed worker's) every 5 s. On
 * PostgreSQL each message sent leaves a dead row version marked `sending` behind (claimed, then
 * its outcome), and the look went through the (status, id, next_attempt_at) index with a bitmap
 * scan, which visits every such version's heap page and never learns they are dead: 40–60 ms per
 * look after 30,000 messages with autovacuum off, growing until VACUUM, per process. The look
 * must find live expired leases only, and on PostgreSQL read a handful of pages however many
 * messages were sent before.
 */
const SENT = 3_000;

await describeEachDialect('expired leases: found without walking the messages already sent', (dialect) => {
  let t: TestApp;
  let db: Kysely<DB>;
  const ids: string[] = [];
  const now = Date.now();
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    db = t.app.infra.db as unknown as Kysely<DB>;
    for (let i = 0; i < 7; i++) {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [`lease${i}@example.net`], subject: `s${i}`, text: 'x' } });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
    }
    // A log of SENT messages, each claimed by a worker whose lease has long run out, then sent:
    // on PostgreSQL each leaves its `sending` version behind as a dead row.
    if (dialect === 'postgres') {
      await sql`insert into messages select (jsonb_populate_record(m, jsonb_build_object('id', m.id || '_' || i, 'idempotency_key', null))).* from messages m, generate_series(1, ${SENT}) i where m.id = ${ids[0]}`.execute(db);
      const copies = sql`id like ${`${ids[0]}\\_%`}`;
      await sql`update messages set status = 'sending', lease_owner = 'gone', lease_until = ${now - 600_000} where ${copies}`.execute(db);
      await sql`update messages set status = 'sent', lease_owner = null, lease_until = null where ${copies}`.execute(db);
    }
    // Three messages of a worker that died (lease over), three of one still sending (lease ahead).
    await sql`update messages set status = 'sending', lease_owner = 'dead', lease_until = ${now - 1_000} where id in (${sql.join(ids.slice(1, 4))})`.execute(db);
    await sql`update messages set status = 'sending', lease_owner = 'alive', lease_until = ${now + 300_000} where id in (${sql.join(ids.slice(4, 7))})`.execute(db);
  });
  afterAll(async () => t?.close());

  it('returns the expired leases to the queue and leaves the live ones', async () => {
    const statusOf = async (id: string) => (await db.selectFrom('messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    // PostgreSQL releases at most EXPIRED_LEASES_BATCH per statement: a crashed worker's 250 as well.
    const crashed = dialect === 'postgres' ? 250 : 0;
    if (crashed) await sql`update messages set status = 'sending', lease_owner = 'crashed', lease_until = ${now - 2_000} where id in (select id from messages where id like ${`${ids[0]}\\_%`} order by id limit ${crashed})`.execute(db);
    expect(await t.app.ports.ctx.store.repos.messages.releaseExpiredLeases(now)).toBe(3 + crashed);
    for (const id of ids.slice(1, 4)) expect(await statusOf(id)).toBe('queued');
    for (const id of ids.slice(4, 7)) expect(await statusOf(id)).toBe('sending');
    expect(crashed).toBeGreaterThan(dialect === 'postgres' ? 2 * EXPIRED_LEASES_BATCH : -1);
    expect(await t.app.ports.ctx.store.repos.messages.releaseExpiredLeases(now)).toBe(0);
  });

  it('marks a message whose lease ran out a possible duplicate (its worker may have had it on the wire), not one its worker let go', async () => {
    const flagOf = async (id: string) => (await db.selectFrom('messages').select('possible_duplicate').where('id', '=', id).executeTakeFirstOrThrow()).possible_duplicate;
    for (const id of ids.slice(1, 4)) expect(await flagOf(id)).toBe(1);
    const viaApi = await t.request({ method: 'GET', url: `/api/v1/messages/${ids[1]}` });
    expect(viaApi.json().possibleDuplicate).toBe(true);
    // The live worker stops and lets its messages go: nothing was in flight, nothing marked.
    expect(await t.app.ports.ctx.store.repos.messages.releaseLeasesOf('alive', [], now)).toBe(3);
    for (const id of ids.slice(4, 7)) expect(await flagOf(id)).toBe(0);
  });

  it('the look seeks an index: on PostgreSQL it reads a few pages, not one per message sent before', async () => {
    if (dialect === 'sqlite') {
      // No dead row versions: the status index holds only what is being sent, and the look seeks it.
      const q = expiredLeases(db, 'sqlite', now).compile();
      const plan = (await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${q.sql}`, [...q.parameters]))).rows.map((r) => r.detail).join('\n');
      expect(plan).toMatch(/SEARCH messages USING (COVERING )?INDEX messages_status_due_idx \(status=\?/);
      expect(plan).not.toMatch(/SCAN messages/);
      return;
    }
    const q = expiredLeases(db, 'postgres', now).compile();
    const buffers = async () => {
      await sql`begin`.execute(db);
      try {
        const plan = (await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (analyze, buffers) ${q.sql}`, [...q.parameters]))).rows.map((r) => r['QUERY PLAN']).join('\n');
        const hits = [...plan.matchAll(/shared hit=(\d+)/g)].map((m) => Number(m[1]));
        return { plan, pages: hits.length ? Math.max(...hits) : 0 };
      } finally {
        await sql`rollback`.execute(db);
      }
    };
    // The first look may visit the dead versions once (and mark them dead in the index); later
    // looks skip them, unless another transaction's snapshot still kept them alive then (a
    // loaded machine running other tests saw 32 pages once; the status index's way read 353).
    // Whatever the statistics: none yet (a new database, or autovacuum off), or fresh ones that
    // count few messages being sent (the planner then liked the status index).
    // Marking them is best effort (PostgreSQL skips it when the page changed meanwhile, or a
    // snapshot still sees them): under a full suite one look read 331 pages. So the look is
    // repeated, a little apart, and the fewest pages count: the status index's way never gets
    // below one page per message sent, however often it looks.
    for (const statistics of ['none', 'analysed']) {
      if (statistics === 'analysed') await sql`analyze messages`.execute(db);
      let best = await buffers();
      for (let look = 0; look < 6 && best.pages >= 100; look++) {
        await new Promise((r) => setTimeout(r, 250));
        const next = await buffers();
        if (next.pages < best.pages) best = next;
      }
      const { plan, pages } = best;
      expect(plan, statistics).toMatch(/Index Scan using messages_lease_idx/);
      expect(plan, statistics).not.toMatch(/messages_status_due_idx/);
      expect(pages, `${statistics}\n${plan}`).toBeLessThan(100);
    }
  });
});
