import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { inboundMessagesRepository } from '../../src/store/repositories/inbound-messages.repository.js';
import { messagesRepository } from '../../src/store/repositories/messages.repository.js';

await describeEachDialect('email log: searches and counts served by indexes', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('finds the messages an address received as to, cc or bcc, whatever the case, newest first', async () => {
    const send = (body: object) => t.request({ method: 'POST', url: '/api/v1/messages', payload: { subject: 's', text: 'x', ...body } });
    const ids: string[] = [];
    for (const body of [{ to: ['Ann@Example.net'] }, { to: ['bob@example.net'], cc: ['ann@example.net'] }, { to: ['carol@example.net'] }, { to: ['dave@example.net'], bcc: ['ANN@example.NET'] }]) {
      const res = await send(body);
      expect(res.statusCode).toBe(202);
      ids.push(res.json().id);
    }
    const found = (await t.request({ method: 'GET', url: '/api/v1/messages?recipient=aNN@example.net' })).json();
    expect(found.items.map((m: { id: string }) => m.id)).toEqual([ids[3], ids[1], ids[0]]);
    const paged = (await t.request({ method: 'GET', url: `/api/v1/messages?recipient=ann@example.net&limit=1&cursor=${ids[3]}` })).json();
    expect(paged.items.map((m: { id: string }) => m.id)).toEqual([ids[1]]);
    expect((await t.request({ method: 'GET', url: '/api/v1/messages?recipient=nobody@example.net' })).json().items).toEqual([]);
  });

  /** The plan of a query: SQLite's EXPLAIN QUERY PLAN; PostgreSQL's EXPLAIN with sequential scans off (the tables are tiny here). */
  const planOf = (query: ReturnType<typeof sql>) =>
    dialect === 'sqlite'
      ? sql<{ detail: string }>`explain query plan ${query}`.execute(t.app.infra.db).then((r) => r.rows.map((row) => row.detail).join('\n'))
      : t.app.infra.db.connection().execute(async (c) => {
          await sql`set enable_seqscan = off`.execute(c);
          const rows = (await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(c)).rows;
          await sql`reset enable_seqscan`.execute(c);
          return rows.map((r) => r['QUERY PLAN']).join('\n');
        });

  /** The plan of the statement a repository call sends, its parameters bound as they are sent. */
  const plansOfCall = async (call: (repos: { inbound: ReturnType<typeof inboundMessagesRepository>; messages: ReturnType<typeof messagesRepository> }) => Promise<unknown>) => {
    const db = t.app.infra.db;
    const sent: { sql: string; parameters: readonly unknown[] }[] = [];
    const capture: KyselyPlugin = {
      transformQuery: (args) => {
        sent.push(db.getExecutor().compileQuery(args.node, args.queryId));
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const spied = db.withPlugin(capture);
    await call({ inbound: inboundMessagesRepository(spied), messages: messagesRepository(spied, { ...t.app.infra.capabilities, dialect }) });
    expect(sent).toHaveLength(1);
    const [{ sql: text, parameters }] = sent;
    // Re-bind the parameters where the compiled text had them (? on SQLite, $n on PostgreSQL).
    const pieces = text.split(/\?|\$\d+/);
    const bound = sql.join(pieces.map((piece, i) => (i < parameters.length ? sql`${sql.raw(piece)}${parameters[i]}` : sql.raw(piece))), sql.raw(''));
    return planOf(bound);
  };

  it('reads received mail, its unread count and the outbound mail a reply names from partial indexes, without reading every message', async () => {
    // The partial indexes' predicates (direction) arrive as bound parameters: both planners see their values.
    expect(await plansOfCall((r) => r.inbound.unreadCount())).toMatch(/messages_unread_idx/);
    expect(await plansOfCall((r) => r.messages.list({ direction: 'in', read: false, limit: 50 }))).toMatch(/messages_unread_idx/);
    expect(await plansOfCall((r) => r.inbound.findOutboundByMessageIds(['<a@example.net>', '<b@example.net>']))).toMatch(/messages_message_id_idx/);
  });

  it('finds a message by its idempotency key from a unique index that holds only messages sent with one', async () => {
    expect(await plansOfCall((r) => r.messages.findByIdempotencyKey('key_1', 'k'))).toMatch(/messages_idempotency_uq/);
    // Both are partial (migration 024): an outbound message without a key writes neither.
    const definition = async (name: string) =>
      dialect === 'sqlite'
        ? (await sql<{ d: string }>`select sql as d from sqlite_master where name = ${name}`.execute(t.app.infra.db)).rows[0].d
        : (await sql<{ d: string }>`select indexdef as d from pg_indexes where indexname = ${name}`.execute(t.app.infra.db)).rows[0].d;
    expect(await definition('messages_idempotency_uq')).toMatch(/where \(?idempotency_key is not null\)?$/i);
    expect(await definition('messages_unread_idx')).toMatch(/where \(?\(?direction\)?(::text)? = 'in'(::text)?\)?$/i);
  });

  it('answers that search from the index on lower(address), not by reading every recipient', async () => {
    expect(await planOf(sql`select message_id from message_recipients where lower(address) = ${'ann@example.net'}`)).toMatch(/message_recipients_lower_address_idx/);
  });

  it('counts failed and expired messages of the last day from their own small index', async () => {
    // The statement GET /messages/stats runs (messages.repository endedSince): literal statuses, so the partial index matches.
    expect(await planOf(sql`select status, count(*) from messages where status in ('failed', 'expired') and updated_at >= ${Date.now() - 86_400_000} group by status`)).toMatch(/messages_ended_idx/);
  });
});
