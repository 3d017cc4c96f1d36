import { CompiledQuery, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BODY_COLUMNS } from '../../src/store/migrations/023_lz4_message_bodies.js';
import { BATCHED_WRITES, OUTCOME_UPDATES } from '../../src/store/postgres/pg-batched-writes.js';
import { CLAIM_STATEMENTS_POSTGRES, claimLevelPostgres, claimUpdateSql } from '../../src/store/repositories/claim-queries.js';
import { MESSAGE_COLUMNS } from '../../src/store/repositories/messages.repository.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/*
 * The outbox's batched writes name their rows by a JSON list bound as one parameter. Joined to
 * that list alone, PostgreSQL's planner (which assumes 100 rows for any set-returning function)
 * read the whole of message_recipients for every outcome batch, analysed statistics or not:
 * 3.2 ms for a two-row update at 20,000 rows, growing with the log. Each statement must find
 * its rows through an index, here on tables of 3,000 rows with fresh statistics.
 */
const ROWS = 3_000;

await describeEachDialect('batched outbox writes find their rows by key', (dialect) => {
  let t: TestApp;
  let db: Kysely<unknown>;
  const ids: string[] = [];
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    db = t.app.infra.db as unknown as Kysely<unknown>;
    for (let i = 0; i < 2; i++) {
      const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: [`ops${i}@example.net`], subject: `s${i}`, text: 'x' } });
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
    }
    // Copies of the first message and its recipient under other ids: a log of ROWS messages.
    if (dialect === 'postgres') {
      await sql`insert into messages select (jsonb_populate_record(m, jsonb_build_object('id', m.id || '_' || i, 'idempotency_key', null))).* from messages m, generate_series(1, ${ROWS}) i where m.id = ${ids[0]}`.execute(db);
      await sql`insert into message_recipients select (jsonb_populate_record(r, jsonb_build_object('message_id', r.message_id || '_' || i))).* from message_recipients r, generate_series(1, ${ROWS}) i where r.message_id = ${ids[0]}`.execute(db);
      await sql`analyze messages`.execute(db);
      await sql`analyze message_recipients`.execute(db);
    }
  });
  afterAll(async () => t?.close());

  const planOf = async (text: string, params: unknown[]): Promise<string> => {
    if (dialect === 'sqlite') return (await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, params))).rows.map((r) => r.detail).join('\n');
    return (await db.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain ${text}`, params))).rows.map((r) => r['QUERY PLAN']).join('\n');
  };

  /** PostgreSQL's claim of one level picks the messages itself: level, now, limit, then what it sets. */
  const claimLevel = (priority: number, limit: number) => [priority, Date.now() + 60_000, limit, 'sending', 'owner', 1, 1];

  it('the claim marks the messages it picked by their ids, through an index', async () => {
    const plan = await planOf(claimUpdateSql(dialect, MESSAGE_COLUMNS), dialect === 'postgres' ? claimLevel(0, 100) : ['sending', 'owner', 1, 1, JSON.stringify(ids)]);
    if (dialect === 'postgres') {
      // The pick by the claim index, the update by primary key, the recipients by theirs.
      expect(plan).toMatch(/Index Cond: .*\bid\)::text = ANY/);
      expect(plan).toMatch(/messages_claim_idx/);
      expect(plan).toMatch(/(Index Scan|Bitmap Index Scan|Index Only Scan) (using|on) message_recipients_pk/);
      expect(plan).not.toMatch(/Seq Scan on (messages|message_recipients)\b/);
    } else {
      expect(plan).toMatch(/SEARCH messages USING .*\bid=\?/);
      expect(plan).not.toMatch(/SCAN messages/);
    }
  });

  it('an outcome batch updates its messages and recipients by key (PostgreSQL: one statement for both and the attempts)', async () => {
    if (dialect === 'sqlite') return; // SQLite writes outcomes row by row, by primary key (messages.repository.ts).
    const messages = JSON.stringify(ids.map((id) => ({ id, lease_owner: 'owner', status: 'sent', next_attempt_at: 0, attempt_count: 1, updated_at: 1, possible_duplicate: 0 })));
    const recipients = JSON.stringify(ids.map((id, i) => ({ message_id: id, address: `ops${i}@example.net`, status: 'sent', updated_at: 1 })));
    // Recipients by primary key; messages by key or among the few being sent (status 'sending').
    const byKey = { messages: /(Index Scan|Bitmap Index Scan) (using|on) messages_(pkey|status_due_idx)/, recipients: /(Index Scan|Bitmap Index Scan) (using|on) message_recipients_pk/ };
    const plans = {
      messages: await planOf(OUTCOME_UPDATES.messages, [messages]),
      recipients: await planOf(OUTCOME_UPDATES.recipients, [recipients]),
      rejectedCount: await planOf(OUTCOME_UPDATES.rejectedCount, [JSON.stringify(ids.map((id) => ({ id })))]),
    };
    // The statement a batch runs: the three above in one (messages, their recipients, attempts).
    const attempts = JSON.stringify(ids.map((id, i) => ({ id: `att_plan${i}`, message_id: id, at: 1, duration_ms: 1, outcome: 'sent' })));
    const outcome = await planOf(OUTCOME_UPDATES.outcome, [messages, recipients, attempts]);
    expect(plans.messages).toMatch(byKey.messages);
    expect(plans.recipients).toMatch(byKey.recipients);
    expect(plans.rejectedCount).toMatch(byKey.messages);
    expect(outcome).toMatch(byKey.messages);
    expect(outcome).toMatch(byKey.recipients);
    for (const plan of [...Object.values(plans), outcome]) expect(plan).not.toMatch(/Seq Scan on (messages|message_recipients)\b/);
  });
  it('finds its rows by key with statistics from before a burst (PostgreSQL): never every queued or sending message', async () => {
    if (dialect === 'sqlite') return; // SQLite is told its index (claim-queries.ts) and writes outcomes by primary key.
    // The statistics above saw no queued or sending message; now ROWS of each arrive, unanalysed.
    for (const [status, tag] of [['queued', 'q'], ['sending', 's']]) {
      await sql`insert into messages select (jsonb_populate_record(m, jsonb_build_object('id', m.id || '_' || ${tag}::text || i, 'idempotency_key', null, 'status', ${status}::text, 'lease_owner', 'owner'))).* from messages m, generate_series(1, ${ROWS}) i where m.id = ${ids[0]}`.execute(db);
    }
    const { priority } = (await sql<{ priority: number }>`select priority from messages where id = ${ids[0]}`.execute(db)).rows[0];
    const claim = await planOf(claimUpdateSql(dialect, MESSAGE_COLUMNS), claimLevel(priority, 75));
    const sent = JSON.stringify(Array.from({ length: 20 }, (_, i) => ({ id: `${ids[0]}_s${i + 1}`, lease_owner: 'owner', status: 'sent', next_attempt_at: 0, attempt_count: 1, updated_at: 1, possible_duplicate: 0 })));
    const outcome = await planOf(OUTCOME_UPDATES.messages, [sent]);
    for (const plan of [claim, outcome]) expect(plan).toMatch(/Index Cond: \(\(?\w*\.?id\)::text = ANY/);
    // The outcome finds its rows by key only; the claim picks by its index, then marks by key.
    expect(outcome).not.toMatch(/messages_(claim|status_due)_idx/);
    expect(claim).not.toMatch(/messages_status_due_idx|Seq Scan on messages\b/);
    // And the claim takes exactly what it picked, still claimable, with each one's recipients.
    const claimed = await db.executeQuery<{ id: string; status: string; claimed_recipients: unknown[] }>(CompiledQuery.raw(claimUpdateSql(dialect, MESSAGE_COLUMNS), claimLevel(priority, 75)));
    expect(claimed.rows).toHaveLength(75);
    for (const r of claimed.rows) {
      expect(r.status).toBe('sending');
      expect(Array.isArray(r.claimed_recipients)).toBe(true);
    }
  });
  it('the prepared statements\' generic plans find their rows by key too (PostgreSQL)', async () => {
    if (dialect === 'sqlite') return; // SQLite has no generic plans: it is told its index (claim-queries.ts).
    // The claim and the batched writes are named prepared statements (statement-cache.ts): after
    // five runs PostgreSQL may plan them once for any values. Forced here, so a generic plan that
    // scans instead of seeking fails now rather than on the sixth batch of a busy day.
    const { priority } = (await sql<{ priority: number }>`select priority from messages where id = ${ids[0]}`.execute(db)).rows[0];
    const literal = (v: unknown) => (typeof v === 'number' ? String(v) : `'${String(v).replaceAll("'", "''")}'`);
    const genericPlan = (text: string, params: unknown[]) =>
      db.transaction().execute(async (trx) => {
        await sql`set local plan_cache_mode = force_generic_plan`.execute(trx);
        await sql.raw(`prepare generic_probe as ${text}`).execute(trx);
        const rows = (await sql.raw<{ 'QUERY PLAN': string }>(`explain execute generic_probe${params.length ? `(${params.map(literal).join(', ')})` : ''}`).execute(trx)).rows;
        await sql`deallocate generic_probe`.execute(trx);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    const claim = await genericPlan(claimLevelPostgres(MESSAGE_COLUMNS), claimLevel(priority, 75));
    expect(claim).toMatch(/messages_claim_idx/);
    expect(claim).toMatch(/Index Cond: .*\bid\)::text = ANY/);
    const levels = await genericPlan(CLAIM_STATEMENTS_POSTGRES.levels, []);
    const due = await genericPlan(CLAIM_STATEMENTS_POSTGRES.peek, [priority, Date.now(), 1]);
    for (const plan of [levels, due]) expect(plan).toMatch(/messages_claim_idx/);
    const sent = JSON.stringify(ids.map((id) => ({ id, lease_owner: 'owner', status: 'sent', next_attempt_at: 0, attempt_count: 1, updated_at: 1, possible_duplicate: 0 })));
    const recipients = JSON.stringify(ids.map((id, i) => ({ message_id: id, address: `ops${i}@example.net`, status: 'sent', updated_at: 1 })));
    const outcome = await genericPlan(BATCHED_WRITES.outcome, [sent, recipients, '[]']);
    expect(outcome).toMatch(/Index Cond: \(\(?\w*\.?id\)::text = ANY/);
    expect(outcome).toMatch(/(Index Scan|Bitmap Index Scan) (using|on) message_recipients_pk/);
    const rejected = await genericPlan(BATCHED_WRITES.rejectedCount, [JSON.stringify(ids.map((id) => ({ id })))]);
    expect(rejected).toMatch(/Index Cond: \(\(?\w*\.?id\)::text = ANY/);
    for (const plan of [claim, levels, due, outcome, rejected]) expect(plan).not.toMatch(/Seq Scan on (messages|message_recipients)\b/);
  });
  it('a recipient\'s outcome is updated in place: its page keeps room (PostgreSQL, migration 022)', async () => {
    if (dialect === 'sqlite') return; // SQLite rewrites a row where it is; there is no fillfactor.
    const options = await sql<{ reloptions: string[] | null }>`select reloptions from pg_class where relname = 'message_recipients'`.execute(db);
    expect(options.rows[0].reloptions).toContain('fillfactor=70');
    // A copy in the middle of the ROWS written above, on a page written after the migration.
    const id = `${ids[0]}_${ROWS / 2}`;
    const pageOf = async () => (await sql<{ page: string }>`select (ctid::text::point)[0]::text as page from message_recipients where message_id = ${id}`.execute(db)).rows[0].page;
    const before = await pageOf();
    const outcome = JSON.stringify([{ message_id: id, address: 'ops0@example.net', status: 'sent', code: 250, enhanced_code: '2.0.0', response: '250 2.0.0 Ok: queued as 4Xyz0123456789ABCDEF', updated_at: 2 }]);
    const updated = await db.executeQuery(CompiledQuery.raw(OUTCOME_UPDATES.recipients, [outcome]));
    expect(updated.numAffectedRows).toBe(1n);
    // A HOT update keeps the row on its page (full pages sent every new version elsewhere, with new index entries).
    expect(await pageOf()).toBe(before);
  });
  it('stores message bodies with LZ4 (PostgreSQL, migration 023)', async () => {
    if (dialect === 'sqlite') return; // SQLite does not compress.
    const methods = await sql<{ attname: string; attcompression: string }>`select attname, attcompression from pg_attribute where attrelid = 'messages'::regclass and attname = any(${[...BODY_COLUMNS]})`.execute(db);
    expect(methods.rows).toHaveLength(BODY_COLUMNS.length);
    for (const c of methods.rows) expect(c.attcompression, c.attname).toBe('l');
    // A body over the TOAST threshold written now is LZ4-compressed, and reads back whole.
    const body = 'Your weekly report is ready. '.repeat(120);
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['ops@example.net'], subject: 'lz4', text: body } });
    expect(res.statusCode).toBe(202);
    const row = await sql<{ method: string | null; text_body: string }>`select pg_column_compression(text_body) as method, text_body from messages where id = ${res.json().id}`.execute(db);
    expect(row.rows[0]).toEqual({ method: 'lz4', text_body: body });
  });
});
