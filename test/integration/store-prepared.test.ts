import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageRecord, RecipientRecord } from '../../src/core/outbox/ports.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { MESSAGE_COLUMNS, messagesRepository } from '../../src/store/repositories/messages.repository.js';
import { migrateToLatest } from '../../src/store/migrator.js';
import { prepareTemplatesOnConnect } from '../../src/store/postgres/pg-prepared.js';
import { BATCHED_WRITES, batchedOutboxWrites } from '../../src/store/postgres/pg-batched-writes.js';
import { CLAIM_STATEMENTS_POSTGRES, claimLevelPostgres } from '../../src/store/repositories/claim-queries.js';
import { eventJournalRepository } from '../../src/store/repositories/event-journal.repository.js';
import { suppressionsRepository } from '../../src/store/repositories/suppressions.repository.js';
import type { Repositories } from '../../src/core/ports.js';
import { createPostgresDatabase, describeEachDialect, postgresAvailable } from '../helpers/dialects.js';

/**
 * The outbox's hot statements: multi-row recipient inserts (both dialects) and, on
 * PostgreSQL, named prepared statements for the templates (src/store/pg-prepared.ts).
 * PostgreSQL runs with a pool of one connection, so every statement shares the connection
 * whose prepared statements are being checked.
 */

const NOW = 1_700_000_000_000;

function message(id: string, overrides: Partial<MessageRecord> = {}): MessageRecord {
  return {
    id,
    direction: 'out',
    status: 'queued',
    purpose: 'default',
    priority: 50,
    accountId: null,
    serverId: null,
    routing: { accountId: null, serverId: null, reason: 'test', failoverAccountIds: [] },
    from: { address: 'from@example.com' },
    envelopeFrom: 'from@example.com',
    to: [{ address: 'to@example.net' }],
    cc: [],
    bcc: [],
    replyTo: null,
    subject: `Subject ${id}`,
    text: 'Hello',
    html: null,
    headers: {},
    attachments: [],
    sizeBytes: 5,
    idempotencyScope: null,
    idempotencyKey: null,
    sendAt: NOW,
    nextAttemptAt: NOW,
    expireAt: NOW + 86_400_000,
    attemptCount: 0,
    leaseOwner: null,
    leaseUntil: null,
    source: 'api',
    createdBy: null,
    lastError: null,
    messageIdHeader: null,
    sentAt: null,
    createdAt: NOW,
    updatedAt: NOW,
    possibleDuplicate: false,
    read: false,
    kind: null,
    inReplyTo: null,
    rejectedCount: 0,
    lastHint: null,
    template: null,
    ...overrides,
  };
}

function recipients(messageId: string, n: number): RecipientRecord[] {
  const kinds = ['to', 'cc', 'bcc'] as const;
  return Array.from({ length: n }, (_, i) => ({
    messageId,
    address: `r${i}@example.net`,
    kind: kinds[i % 3],
    status: i % 5 === 4 ? 'accepted' : 'pending',
    code: i % 5 === 4 ? 250 : null,
    enhancedCode: i % 5 === 4 ? '2.0.0' : null,
    response: i % 5 === 4 ? `250 ok ${i}` : null,
    updatedAt: NOW + i,
  }));
}

const byAddress = (a: { address: string }, b: { address: string }) => a.address.localeCompare(b.address);

await describeEachDialect('outbox hot statements', (dialect) => {
  let database: StoreDatabase;
  let dataDir: string;
  let dropPg: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-prepared-'));
    let databaseUrl: string | undefined;
    if (dialect === 'postgres') {
      const created = await createPostgresDatabase();
      databaseUrl = created.url;
      dropPg = created.drop;
    }
    database = openDatabase({ databaseUrl, dataDir, sqliteFile: ':memory:', poolSize: 1 });
    await migrateToLatest(database.db, database.describe);
  });

  afterAll(async () => {
    await database?.close();
    await dropPg?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every recipient of a message whatever the count (multi-row inserts of 64, 32 … 1)', async () => {
    const repo = messagesRepository(database.db, database.capabilities);
    for (const n of [0, 1, 2, 3, 7, 13, 64, 100]) {
      const id = `m-count-${n}`;
      const want = recipients(id, n);
      await repo.insert(message(id), want);
      expect((await repo.recipients(id)).sort(byAddress)).toEqual([...want].sort(byAddress));
    }
  });

  it('claims and completes messages the same way on every run (past the point where PostgreSQL may switch to a generic plan)', async () => {
    const repo = messagesRepository(database.db, database.capabilities);
    for (let round = 0; round < 8; round++) {
      const ids = [0, 1, 2].map((i) => `m-round-${round}-${i}`);
      // Above the other tests' queued messages (priority 50), so exactly these three are claimed.
      for (const [i, id] of ids.entries()) await repo.insert(message(id, { priority: 90 + i }), recipients(id, 2));
      const claimed = await repo.claim({ owner: `w${round}`, now: NOW, leaseUntil: NOW + 60_000, limit: 3 });
      expect(claimed.map((m) => m.id)).toEqual([...ids].reverse());
      for (const m of claimed) {
        expect(m.pending.sort(byAddress).map((r) => r.address)).toEqual(['r0@example.net', 'r1@example.net']);
        const done = await repo.completeAttempt({
          messageId: m.id,
          leaseOwner: `w${round}`,
          status: 'sent',
          nextAttemptAt: NOW,
          attemptCount: 1,
          lastError: null,
          sentAt: NOW + 1,
          accountId: null,
          serverId: null,
          recipients: m.pending.map((r) => ({ address: r.address, status: 'accepted', code: 250, enhancedCode: '2.0.0', response: `250 queued ${m.id}` })),
          attempt: { id: `a-${m.id}`, messageId: m.id, at: NOW + 1, durationMs: 7, accountId: null, serverId: null, outcome: 'sent', code: 250, enhancedCode: '2.0.0', response: '250 ok', possibleDuplicate: null, hint: null },
          now: NOW + 1,
        });
        expect(done).toBe(true);
        // A lease the worker no longer holds writes nothing.
        expect(await repo.completeAttempt({ messageId: m.id, leaseOwner: 'someone-else', status: 'failed', nextAttemptAt: NOW, attemptCount: 9, lastError: 'x', sentAt: null, accountId: null, serverId: null, recipients: [], attempt: null, now: NOW + 2 })).toBe(false);
        const stored = await repo.get(m.id);
        expect(stored).toMatchObject({ status: 'sent', attemptCount: 1, sentAt: NOW + 1, leaseOwner: null, leaseUntil: null, updatedAt: NOW + 1 });
        expect((await repo.recipients(m.id)).map((r) => [r.status, r.code, r.response])).toEqual([
          ['accepted', 250, `250 queued ${m.id}`],
          ['accepted', 250, `250 queued ${m.id}`],
        ]);
        expect(await repo.attempts(m.id)).toEqual([{ id: `a-${m.id}`, messageId: m.id, at: NOW + 1, durationMs: 7, accountId: null, serverId: null, outcome: 'sent', code: 250, enhancedCode: '2.0.0', response: '250 ok', possibleDuplicate: null, hint: null }]);
      }
    }
  });

  it('an outcome is written only while the worker holds the lease, for any number of recipients, with or without an attempt row', async () => {
    const repo = messagesRepository(database.db, database.capabilities);
    for (const n of [0, 1, 8, 10]) {
      for (const withAttempt of [true, false]) {
        const id = `m-outcome-${n}-${withAttempt}`;
        await repo.insert(message(id, { priority: 95 }), recipients(id, n));
        const [claimed] = await repo.claim({ owner: 'holder', now: NOW, leaseUntil: NOW + 60_000, limit: 1 });
        expect(claimed.id).toBe(id);
        const outcome = (owner: string, code: number) => ({
          messageId: id,
          leaseOwner: owner,
          status: 'deferred' as const,
          nextAttemptAt: NOW + 1000,
          attemptCount: 1,
          lastError: `4xx from ${owner}`,
          sentAt: null,
          accountId: null,
          serverId: null,
          recipients: recipients(id, n).map((r) => ({ address: r.address, status: 'deferred' as const, code, enhancedCode: '4.0.0', response: `${code} from ${owner}` })),
          attempt: withAttempt ? { id: `a-${id}-${owner}`, messageId: id, at: NOW, durationMs: 3, accountId: null, serverId: null, outcome: 'deferred' as const, code, enhancedCode: '4.0.0', response: `${code} from ${owner}`, possibleDuplicate: null, hint: null } : null,
          now: NOW + 5,
        });
        expect(await repo.completeAttempt(outcome('intruder', 451))).toBe(false);
        expect((await repo.get(id))?.status).toBe('sending');
        expect((await repo.recipients(id)).map((r) => r.response)).toEqual(recipients(id, n).map((r) => r.response));
        expect(await repo.attempts(id)).toEqual([]);
        expect(await repo.completeAttempt(outcome('holder', 421))).toBe(true);
        expect(await repo.get(id)).toMatchObject({ status: 'deferred', lastError: '4xx from holder', nextAttemptAt: NOW + 1000, leaseOwner: null });
        expect((await repo.recipients(id)).sort(byAddress)).toEqual(
          recipients(id, n)
            .map((r) => ({ ...r, status: 'deferred', code: 421, enhancedCode: '4.0.0', response: '421 from holder', updatedAt: NOW + 5 }))
            .sort(byAddress),
        );
        expect((await repo.attempts(id)).map((a) => [a.id, a.code, a.durationMs, a.at])).toEqual(withAttempt ? [[`a-${id}-holder`, 421, 3, NOW]] : []);
      }
    }
  });

  it('a hot statement that fails reports the database error and leaves the connection usable, in and out of a transaction', async () => {
    const repo = messagesRepository(database.db, database.capabilities);
    await repo.insert(message('m-dup'), recipients('m-dup', 1));
    // Twice each: the second failure is on a statement the connection has already prepared.
    for (let i = 0; i < 2; i++) {
      await expect(repo.insert(message('m-dup'), [])).rejects.toThrow(/unique|duplicate/i);
      await expect(database.db.transaction().execute((trx) => messagesRepository(trx, database.capabilities).insert(message('m-dup'), []))).rejects.toThrow(/unique|duplicate/i);
      // A recipient twice in one multi-row insert fails as a whole: no half-inserted message.
      await expect(database.db.transaction().execute((trx) => messagesRepository(trx, database.capabilities).insert(message(`m-twice-${i}`), [...recipients(`m-twice-${i}`, 1), ...recipients(`m-twice-${i}`, 1)]))).rejects.toThrow(
        /unique|duplicate/i,
      );
      expect(await repo.get(`m-twice-${i}`)).toBeUndefined();
    }
    await repo.insert(message('m-after-failures'), recipients('m-after-failures', 3));
    expect(await repo.recipients('m-after-failures')).toHaveLength(3);
    await database.db.transaction().execute((trx) => messagesRepository(trx, database.capabilities).insert(message('m-after-failures-trx'), recipients('m-after-failures-trx', 1)));
    expect(await repo.get('m-after-failures-trx')).toMatchObject({ id: 'm-after-failures-trx', subject: 'Subject m-after-failures-trx' });
  });

  // Only PostgreSQL has named statements: the test exists on that dialect only (no skipped entry under SQLite).
  if (dialect === 'postgres') it('PostgreSQL keeps the per-message templates prepared on the connection, and nothing else', async () => {
    const repo = messagesRepository(database.db, database.capabilities);
    await repo.insert(message('m-listed', { priority: 99 }), recipients('m-listed', 1));
    await repo.list({ limit: 5, status: ['queued'] });
    const [claimed] = await repo.claim({ owner: 'lister', now: NOW, leaseUntil: NOW + 60_000, limit: 1 });
    expect(claimed.id).toBe('m-listed');
    const attempt = { id: 'a-listed', messageId: 'm-listed', at: NOW, durationMs: 1, accountId: null, serverId: null, outcome: 'sent' as const, code: 250, enhancedCode: null, response: '250 ok', possibleDuplicate: null, hint: null };
    const recipient = { address: 'r0@example.net', status: 'accepted' as const, code: 250, enhancedCode: null, response: '250 ok', possibleDuplicate: null, hint: null };
    expect(await repo.completeAttempt({ messageId: 'm-listed', leaseOwner: 'lister', status: 'sent', nextAttemptAt: NOW, attemptCount: 1, lastError: null, sentAt: NOW, accountId: null, serverId: null, recipients: [recipient], attempt, now: NOW })).toBe(true);
    const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(database.db);
    const statements = rows.map((r) => r.statement);
    // Beside the templates, only BEGIN (pg-pipelined-begin.ts) where a transaction ran.
    expect(rows.filter((r) => !/^mailroom_\d+$/.test(r.name))).toEqual(rows.filter((r) => r.name === 'mailroom_begin' && r.statement === 'begin'));
    expect(statements.some((s) => s.startsWith('insert into "messages"'))).toBe(true);
    expect(statements.some((s) => s.startsWith('insert into "message_recipients"'))).toBe(true);
    expect(statements.some((s) => s.startsWith('update "messages" set "status" = $1, "next_attempt_at"'))).toBe(true);
    expect(statements.some((s) => s.startsWith('update "message_recipients"'))).toBe(true);
    expect(statements.some((s) => s.startsWith('insert into "attempts"'))).toBe(true);
    // The claim is prepared too: its levels, each level's pick (one statement with the update
    // and the recipients' read) and the idle poll's look (anyDue).
    expect(await repo.anyDue({ now: NOW })).toBe(true);
    const named = (sqlText: string) => rows.some((r) => r.statement === sqlText) || statementsNow().then((all) => all.includes(sqlText));
    const statementsNow = async () => (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(database.db)).rows.map((r) => r.statement);
    const claimStatements = [...Object.values(CLAIM_STATEMENTS_POSTGRES), claimLevelPostgres(MESSAGE_COLUMNS)];
    for (const text of claimStatements) expect(await named(text), text).toBe(true);
    // The ordinary Kysely queries (the log's page above) stay unnamed.
    expect((await statementsNow()).some((s) => s.startsWith('select') && !claimStatements.includes(s))).toBe(false);
  });

  // The group commit's multi-row statements (pg-batched-writes.ts): fixed texts whatever the
  // row count, so prepared once per connection instead of planned on every batch.
  if (dialect === 'postgres') it('PostgreSQL keeps the group commit\'s batched writes prepared on the connection', async () => {
    // Only the repositories the batched writes wrap (the rest pass through untouched).
    const repos = batchedOutboxWrites(database.db, { messages: messagesRepository(database.db, database.capabilities), eventJournal: eventJournalRepository(database.db, database.capabilities) } as unknown as Repositories);
    const id = 'm-batched';
    await Promise.all([repos.messages.insert(message(id, { priority: 98 }), recipients(id, 2)), repos.messages.insert(message(`${id}-2`, { priority: 98 }), recipients(`${id}-2`, 1))]);
    const claimed = await repos.messages.claim({ owner: 'batcher', now: NOW, leaseUntil: NOW + 60_000, limit: 2 });
    expect(claimed.map((m) => m.id).sort()).toEqual([id, `${id}-2`]);
    const done = await Promise.all(
      claimed.map((m) =>
        repos.messages.completeAttempt({
          messageId: m.id,
          leaseOwner: 'batcher',
          status: 'sent',
          nextAttemptAt: NOW,
          attemptCount: 1,
          lastError: null,
          sentAt: NOW,
          accountId: null,
          serverId: null,
          recipients: m.pending.map((r) => ({ address: r.address, status: 'rejected' as const, code: 550, enhancedCode: '5.1.1', response: '550 no' })),
          attempt: null,
          now: NOW,
        }),
      ),
    );
    expect(done).toEqual([true, true]);
    await repos.eventJournal.append([{ id: 'j-batched', type: 'message.sent', messageId: id, at: NOW, data: '{}' }], { read: true });
    const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(database.db);
    const statements = rows.map((r) => r.statement);
    for (const text of Object.values(BATCHED_WRITES)) expect(statements, text).toContain(text);
    expect(await repos.messages.get(id)).toMatchObject({ status: 'sent', rejectedCount: 2 });
  });

  // A rolling upgrade: a newer process migrates while this one runs. A prepared statement whose
  // result columns are `*` would fail on every call from then on ("cached plan must not change
  // result type"), so the prepared ones name their columns (statement-cache.ts's preparedSql).
  if (dialect === 'postgres') it('PostgreSQL: the prepared statements keep working on the same connection after another process adds a column', async () => {
    const repo = messagesRepository(database.db, database.capabilities);
    const repos = batchedOutboxWrites(database.db, { messages: repo, eventJournal: eventJournalRepository(database.db, database.capabilities) } as unknown as Repositories);
    const suppressions = suppressionsRepository(database.db, 'postgres');
    const round = async (id: string) => {
      await repos.messages.insert(message(id, { priority: 97 }), recipients(id, 1));
      expect(await suppressions.active(['r0@example.net'], NOW)).toEqual([]);
      expect(await repo.anyDue({ now: NOW })).toBe(true);
      const [claimed] = await repo.claim({ owner: 'upgrader', now: NOW, leaseUntil: NOW + 60_000, limit: 1 });
      expect(claimed?.id).toBe(id);
      expect(await repos.messages.completeAttempt({ messageId: id, leaseOwner: 'upgrader', status: 'sent', nextAttemptAt: NOW, attemptCount: 1, lastError: null, sentAt: NOW, accountId: null, serverId: null, recipients: [], attempt: null, now: NOW })).toBe(true);
    };
    // Past five runs, so PostgreSQL may have settled on generic plans.
    for (let i = 0; i < 7; i++) await round(`m-before-${i}`);
    for (const table of ['messages', 'message_recipients', 'suppressions']) await sql.raw(`alter table ${table} add column added_by_a_newer_version integer`).execute(database.db);
    try {
      for (let i = 0; i < 3; i++) await round(`m-after-${i}`);
    } finally {
      for (const table of ['messages', 'message_recipients', 'suppressions']) await sql.raw(`alter table ${table} drop column added_by_a_newer_version`).execute(database.db);
    }
  });
});

describe.skipIf(!(await postgresAvailable()))('prepareTemplatesOnConnect on a pg.Pool', () => {
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ url, drop } = await createPostgresDatabase());
  });
  afterAll(async () => drop?.());

  const PROBE = 'select $1::int8 as n, $2::text as t, $3::text as missing, $4::bool as b, $5::numeric as d';

  it('returns the same rows as the unnamed statement and prepares only the listed SQL', async () => {
    const plain = new pg.Pool({ connectionString: url, max: 1 });
    const named = new pg.Pool({ connectionString: url, max: 1 });
    prepareTemplatesOnConnect(named, (text) => (text === PROBE ? 'probe' : undefined));
    try {
      for (const values of [
        [1, 'a', null, true, '1.5'],
        [9007199254740991, 'ü\u00e9', null, false, '-0.25'],
        [0, '', null, null, null],
      ]) {
        const want = await plain.query(PROBE, values);
        // Several runs: the sixth onwards may use PostgreSQL's generic plan.
        for (let i = 0; i < 7; i++) {
          const got = await named.query(PROBE, values);
          expect(got.rows).toEqual(want.rows);
          expect(got.fields.map((f) => [f.name, f.dataTypeID])).toEqual(want.fields.map((f) => [f.name, f.dataTypeID]));
        }
      }
      expect((await named.query('select name, statement from pg_prepared_statements')).rows).toEqual([{ name: 'probe', statement: PROBE }]);
    } finally {
      await plain.end();
      await named.end();
    }
  });

  it('a value node-postgres cannot serialise fails that call only: the prepared statement keeps working', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    prepareTemplatesOnConnect(pool, (text) => (text === PROBE ? 'probe' : undefined));
    // One checked-out client, as Kysely uses it: pg.Pool#query would drop a client after any
    // error and hide what happens to the connection.
    const client = await pool.connect();
    try {
      expect((await client.query(PROBE, [1, 'x', null, true, '1'])).rows[0].t).toBe('x');
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      // Unguarded, node-postgres would close "probe" on the server while still counting it
      // as prepared, and every later call on this connection would fail.
      await expect(client.query(PROBE, [1, circular, null, true, '1'])).rejects.toThrow(/circular/i);
      expect((await client.query(PROBE, [2, 'y', null, false, '2'])).rows[0]).toMatchObject({ t: 'y', b: false });
      // A database error (not an int8) on the prepared statement, then the same statement again.
      await expect(client.query(PROBE, ['not a number', 'z', null, true, '1'])).rejects.toMatchObject({ code: '22P02' });
      expect((await client.query(PROBE, [3, 'z', null, true, '3'])).rows[0]).toMatchObject({ t: 'z' });
      expect((await client.query('select name from pg_prepared_statements')).rows).toEqual([{ name: 'probe' }]);
    } finally {
      client.release();
      await pool.end();
    }
  });
});
