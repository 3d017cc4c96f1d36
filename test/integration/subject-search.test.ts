import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MessageFilter, MessageRecord } from '../../src/core/outbox/ports.js';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { indexKey, SCAN_WINDOW, trigramQuery } from '../../src/store/repositories/subject-search.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The email log's subject search (`q`) answers from the newest rows, then from the trigram
 * index (migration 020), and on SQLite from rows the index has not reached yet: every path must
 * give exactly what a scan of every subject gives (`lower(subject) LIKE '%q%'`, q's own % and _
 * literal), page by page, whatever the other filters, however far the index has come.
 */
await describeEachDialect('subject search: the index gives what a scan gives', (dialect) => {
  let t: TestApp;
  const N = SCAN_WINDOW * 3;
  // Rare subjects placed among the oldest rows (beyond the newest-rows window), the middle and the newest.
  const special: Record<number, string> = {
    5: 'Invoice 50%_off for ACME',
    7: 'invoice 50 percent off',
    11: 'Ärger über die Rechnung',
    13: 'MiXeD CaSe NeEdLe here',
    19: 'ΟΔΟΣ İstanbul, STRAẞE Ünïcödé',
    2_500: 'another needle, mixed case',
    [N - 3]: 'the newest NEEDLE',
    17: 'ab',
  };
  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['x@example.net'], subject: 'template', text: 'x', sendAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(res.statusCode).toBe(202);
    const template = (await store().repos.messages.get(res.json().id))!;
    const row = (i: number): MessageRecord => ({
      ...template,
      id: `msg_search${String(i).padStart(6, '0')}`,
      subject: special[i] ?? `Weekly report ${i}`,
      purpose: i % 3 === 0 ? 'report' : 'transactional',
      idempotencyKey: null,
      idempotencyScope: null,
    });
    for (let from = 0; from < N; from += 500) {
      await store().grouped(async (r) => {
        for (let i = from; i < Math.min(N, from + 500); i++) await r.messages.insert(row(i), []);
      });
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });
  const store = () => t.app.ports.ctx.store;

  /** Every page of `list` for the filter, newest first, `limit` at a time. */
  const searched = async (f: MessageFilter, limit: number) => {
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await store().repos.messages.list({ ...f, limit, cursor });
      ids.push(...page.items.map((m) => m.id));
      if (!page.nextCursor) return ids;
      cursor = page.nextCursor;
    }
  };
  /** The definition: the scan of every row (the bulk actions' path), newest first. */
  const scanned = async (f: MessageFilter) => (await store().repos.messages.ids(f, 100_000)).reverse();

  const cases: [string, MessageFilter, number][] = [
    ['rare text deep in the log', { q: 'report 4242' }, 50],
    ['common text, one page', { q: 'weekly' }, 100],
    ['common text, paged to the end', { q: 'report 1' }, 97],
    ['text in one old row', { q: 'ACME' }, 50],
    ['case folded', { q: 'needle' }, 2],
    ['% and _ are literal', { q: '50%_' }, 50],
    ['% alone', { q: '%' }, 50],
    ['shorter than a trigram', { q: 'ab' }, 50],
    ['non-ASCII', { q: 'über' }, 50],
    ['non-ASCII, other case', { q: 'ÄRGER' }, 50],
    ['non-ASCII upper case, as stored', { q: 'Ärger über' }, 50],
    ['non-ASCII, lower-cased', { q: 'ärger' }, 50],
    ['Greek, Turkish dotted I, capital sharp s', { q: 'οδοσ istanbul, straße ünï' }, 50],
    ['% and _ literal, with non-ASCII', { q: 'Ü%' }, 50],
    ['with another filter', { q: 'report 42', purpose: 'report' }, 9],
    ['with a status that has none', { q: 'weekly', status: ['sent'] }, 50],
    ['no match at all', { q: 'zzz-not-there' }, 50],
    ['several words, the last one rare', { q: 'weekly report 4242' }, 50],
    ['several words, each common, together rare', { q: 'weekly report 424' }, 50],
    ['several words, in no subject together', { q: '4242 report' }, 50],
    ['several words, non-ASCII', { q: 'über die Rechnung' }, 50],
    ['several words and punctuation', { q: 'ΟΔΟΣ İstanbul, STRAẞE' }, 50],
  ];

  const expectSameAsScan = async () => {
    for (const [what, f, limit] of cases) {
      const expected = await scanned(f);
      expect(await searched(f, limit), what).toEqual(expected);
    }
  };

  /**
   * The definition itself, not only its agreement with the index: case is folded the same way on
   * both sides, beyond ASCII on both dialects (SQLite folded only ASCII letters of the subject
   * while q was folded in full, so the subject as stored could not be found).
   */
  it('finds text with upper-case non-ASCII letters, typed as stored or in another case', async () => {
    const ids = async (q: string) => scanned({ q });
    const row11 = ['msg_search000011'];
    for (const q of ['Ärger über die Rechnung', 'Ärger', 'ärger', 'ÄRGER ÜBER', 'Ä', 'ä', 'über die']) expect(await ids(q), q).toEqual(row11);
    const row19 = ['msg_search000019'];
    for (const q of ['ΟΔΟΣ İstanbul, STRAẞE Ünïcödé', 'οδοσ', 'ΟΔΟΣ', 'Ünï', 'ünï', 'straße', 'STRAẞE', 'istanbul', 'İSTANBUL']) expect(await ids(q), q).toEqual(row19);
    // Found through every path: the newest rows, the index, the rows past it.
    for (const q of ['ärger', 'Ärger über die Rechnung', 'ÜNÏCÖDÉ']) expect(await searched({ q }, 10), q).toEqual(await ids(q));
    const viaApi = await t.request({ method: 'GET', url: `/api/v1/messages?q=${encodeURIComponent('Ärger über')}` });
    expect(viaApi.json().items.map((m: { subject: string }) => m.subject)).toEqual(['Ärger über die Rechnung']);
  }, 60_000);

  it('matches the scan before anything is indexed', async () => {
    expect((await scanned({ q: 'needle' })).length).toBe(3);
    expect((await scanned({ q: '50%_' })).length).toBe(1);
    expect((await scanned({ q: 'report 4242' })).length).toBe(1);
    await expectSameAsScan();
  }, 60_000);

  it('matches the scan with the index part way and all the way', async () => {
    if (dialect === 'sqlite') {
      // A third indexed, the rest read directly.
      expect(await store().transaction((r) => r.messages.catchUpSearchIndex(N / 3))).toBe(N / 3);
      await expectSameAsScan();
      let indexed = 0;
      for (let n; (n = await store().transaction((r) => r.messages.catchUpSearchIndex(1_000))); ) indexed += n;
      expect(indexed).toBe(N + 1 - N / 3);
    } else {
      expect(await store().transaction((r) => r.messages.catchUpSearchIndex(1_000))).toBe(0);
    }
    await expectSameAsScan();
  }, 60_000);

  it('reads rare text from the index, not from every row', async () => {
    const db = t.app.infra.db;
    if (dialect === 'sqlite') {
      // The statement searchBySubject runs past the newest rows: the index asked for the folded
      // query's trigrams (migration 028), the subject compared folded.
      expect(trigramQuery('Report 4242')).toBe('"rep" AND "epo" AND "por" AND "ort" AND "rt " AND "t 4" AND " 42" AND "424" AND "242"');
      const plan = await sql<{ detail: string }>`explain query plan select id from messages where id < 'msg_search004000' and instr(mailroom_fold(subject), 'report 4242') > 0
        and rowid in (select rowid from message_subject_search where message_subject_search match ${trigramQuery('report 4242')} union all select rowid from messages where rowid > (select upto from search_progress where name = 'message_subject'))
        order by id desc limit 51`.execute(db);
      const text = plan.rows.map((r) => r.detail).join('\n');
      expect(text).toMatch(/VIRTUAL TABLE INDEX \d+:M/);
      expect(text).not.toMatch(/SCAN messages/);
    } else {
      // The index is on the copy of the subjects a trigger writes with each message (migration
      // 021), not on messages, whose every status change rewrote it.
      const index = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'message_subjects_trgm_idx'`.execute(db);
      expect(index.rows[0]?.indexdef).toMatch(/gin \(lower\(subject\) gin_trgm_ops\)/);
      expect((await sql`select 1 from pg_indexes where indexname = 'messages_subject_trgm_idx'`.execute(db)).rows).toHaveLength(0);
      const copies = await sql<{ n: number }>`select count(*)::int as n from messages m join message_subjects s on s.message_id = m.id and s.subject = m.subject`.execute(db);
      const all = await sql<{ n: number }>`select count(*)::int as n from messages`.execute(db);
      expect(copies.rows[0].n).toBe(all.rows[0].n);
      // Usable for the search's own subquery (the planner's choice against walking the ids is one
      // of scale: `npm run bench:queued` measures it with a million rows).
      const plan = await db.connection().execute(async (c) => {
        await sql`analyze message_subjects`.execute(c);
        await sql`set enable_seqscan = off`.execute(c);
        const p = await sql<{ 'QUERY PLAN': string }>`explain select message_id from message_subjects where lower(subject) like '%report 4242%' escape '\\'`.execute(c);
        await sql`reset enable_seqscan`.execute(c);
        return p;
      });
      expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Bitmap Index Scan on message_subjects_trgm_idx/);
    }
  });

  it('asks the index for the word of q the fewest of the newest subjects hold', async () => {
    const newest = () => t.app.infra.db.selectFrom('messages');
    // "weekly" and "report" are in nearly every subject: their trigrams would make the index
    // intersect lists as long as the table.
    expect(await indexKey('Weekly report 4242', dialect, newest)).toBe('4242');
    expect(await indexKey('4242 REPORT', dialect, newest)).toBe('4242');
    // Equally rare (in none): the longest, whose trigrams are the most.
    expect(await indexKey('zzzq zzzqqq', dialect, newest)).toBe('zzzqqq');
    // One word, or none of three letters: q as it is.
    expect(await indexKey('report 42', dialect, newest)).toBe('report 42');
    expect(await indexKey('a.b.c', dialect, newest)).toBe('a.b.c');
  });

  it('leaves new messages searchable before and after the worker reached them', async () => {
    const res = await t.request({ method: 'POST', url: '/api/v1/messages', payload: { to: ['y@example.net'], subject: 'Fresh haystack item', text: 'x', sendAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(res.statusCode).toBe(202);
    const viaApi = async () => (await t.request({ method: 'GET', url: '/api/v1/messages?q=haystack' })).json().items.map((m: { id: string }) => m.id);
    expect(await viaApi()).toEqual([res.json().id]);
    await store().transaction((r) => r.messages.catchUpSearchIndex(1_000));
    expect(await viaApi()).toEqual([res.json().id]);
  });
  it('a bulk cancel by q counts and cancels a subject with upper-case non-ASCII letters', async () => {
    const post = (q: string) => t.request({ method: 'POST', url: '/api/v1/messages/cancel', payload: { filter: { q } } });
    const cancelled = await post('ärger über');
    expect(cancelled.json()).toEqual({ count: 1, more: false, next: null, sending: 0 });
    expect((await store().repos.messages.get('msg_search000011'))?.status).toBe('cancelled');
    expect((await post('ΟΔΟΣ İstanbul, STRAẞE Ünïcödé')).json()).toEqual({ count: 1, more: false, next: null, sending: 0 });
    expect((await store().repos.messages.get('msg_search000019'))?.status).toBe('cancelled');
    expect((await post('Ärger über die Rechnung')).json()).toEqual({ count: 0, more: false, next: null, sending: 0 });
  });

  it('migration 021: down to 020 puts the PostgreSQL index back on messages; up moves it to the copy of the subjects, copying what is stored', async () => {
    const migrator = new Migrator({ db: t.app.infra.db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
    const db = t.app.infra.db;
    const indexes = async () => (await sql<{ name: string }>`select indexname as name from pg_indexes where indexname like '%subject%'`.execute(db)).rows.map((r) => r.name).sort();
    expect((await migrator.migrateTo('020_subject_search')).error).toBeUndefined();
    if (dialect === 'sqlite') {
      // SQLite keeps its FTS5 table (020): 021 changes nothing there.
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      return expectSameAsScan();
    }
    expect(await indexes()).toEqual(['messages_subject_trgm_idx']);
    expect((await sql`select to_regclass('message_subjects') as t`.execute(db)).rows[0]).toEqual({ t: null });
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await indexes()).toEqual(['message_subjects_pkey', 'message_subjects_trgm_idx']);
    // Every message stored before the migration has its copy; the trigger adds the new ones.
    const missing = await sql<{ n: number }>`select count(*)::int as n from messages m left join message_subjects s on s.message_id = m.id where s.message_id is null or s.subject <> m.subject`.execute(db);
    expect(missing.rows[0].n).toBe(0);
    await expectSameAsScan();
  });
  it('migration 028: the SQLite index is rebuilt over the folded subjects, by the worker, finding every row meanwhile', async () => {
    const migrator = new Migrator({ db: t.app.infra.db, provider: migrationProvider, migrationTableName: 'mailroom_migrations', migrationLockTableName: 'mailroom_migrations_lock' });
    const db = t.app.infra.db;
    expect((await migrator.migrateTo('027_lease_index')).error).toBeUndefined();
    if (dialect === 'sqlite') {
      // The 020 table (subjects as stored, asked with LIKE) and an index that had come all the way.
      while (await store().transaction((r) => r.messages.catchUpSearchIndex(5_000)));
    }
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const found = async (q: string) => (await searched({ q }, 10)).length;
    if (dialect === 'sqlite') {
      const upto = async () => (await sql<{ upto: number }>`select upto from search_progress where name = 'message_subject'`.execute(db)).rows[0].upto;
      expect(await upto()).toBe(0);
      // Nothing indexed yet: every row is read directly, none is missed.
      await expectSameAsScan();
      expect(await found('ÜNÏCÖDÉ')).toBe(1);
      while (await store().transaction((r) => r.messages.catchUpSearchIndex(1_000)));
      const max = (await sql<{ m: number }>`select max(rowid) as m from messages`.execute(db)).rows[0].m;
      expect(await upto()).toBe(max);
      const indexed = await sql<{ rowid: number }>`select rowid from message_subject_search where message_subject_search match ${trigramQuery('ärger über')}`.execute(db);
      expect(indexed.rows).toHaveLength(1);
      await sql`insert into message_subject_search (message_subject_search) values ('integrity-check')`.execute(db);
    }
    await expectSameAsScan();
    expect(await found('ärger über')).toBe(1);
    expect(await found('İSTANBUL')).toBe(1);
  }, 60_000);
});
