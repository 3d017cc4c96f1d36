import { sql, type Kysely, type Selectable } from 'kysely';
import type { AttemptRoute } from '../../core/outbox/attempt-route.js';
import type { AttemptRecord, AttemptWrite, ClaimedMessage, MessageFilter, MessageListRecord, MessageRecord, MessageRepository, QueueStats, RecipientRecord } from '../../core/outbox/ports.js';
import { fromJson, toJson } from '../json.js';
import { queryTemplate } from '../statement-cache.js';
import type { DB } from '../schema.js';
import { assertCursorRow, keysetPage } from '../pages.js';
import { claimDue, peekDue } from './claim-queries.js';
import { catchUpSubjectIndex, forgetSubjects, searchBySubject, subjectContains } from './subject-search.js';
import { idsBefore } from '../../core/kernel/ids.js';
import type { AttemptsTable, MessageRecipientsTable, MessagesTable } from '../schema/outbox.js';
import type { StoreTraits } from '../sql-dialect.js';
import { releaseExpiredLeases, releaseLeases } from './message-leases.js';
import { oneOf, rowMapping, same } from './row-mapping.js';

/** A row as a page of the log reads it. */
type ListRow = Omit<Selectable<MessagesTable>, keyof typeof CONTENT_COLUMNS>;

/**
 * A message's row without its content (bodies, headers, attachments, raw MIME): what a page of
 * the log reads. Built field by field: copying a record minus its content with spread and rest
 * made two large objects per row that outlived the young generation on PostgreSQL (~340 KB per
 * page of 50 promoted, then left for a major GC: RSS climbed by ~150 MB over 300 pages).
 */
function toListRecord(r: ListRow): MessageListRecord {
  return {
    id: r.id,
    direction: r.direction as MessageRecord['direction'],
    status: r.status as MessageRecord['status'],
    purpose: r.purpose,
    priority: r.priority,
    accountId: r.account_id,
    serverId: r.server_id,
    routing: fromJson(r.routing, { accountId: null, serverId: null, reason: '', failoverAccountIds: [] }),
    from: fromJson(r.from_addr, { address: '' }),
    envelopeFrom: r.envelope_from,
    to: fromJson(r.to_addrs, []),
    cc: fromJson(r.cc_addrs, []),
    bcc: fromJson(r.bcc_addrs, []),
    replyTo: r.reply_to,
    subject: r.subject,
    sizeBytes: r.size_bytes,
    idempotencyScope: r.idempotency_scope,
    idempotencyKey: r.idempotency_key,
    requestHash: r.request_hash,
    sendAt: r.send_at,
    nextAttemptAt: r.next_attempt_at,
    expireAt: r.expire_at,
    attemptCount: r.attempt_count,
    leaseOwner: r.lease_owner,
    leaseUntil: r.lease_until,
    source: r.source,
    createdBy: r.created_by,
    lastError: r.last_error,
    messageIdHeader: r.message_id_header,
    sentAt: r.sent_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    possibleDuplicate: r.possible_duplicate === 1,
    rejectedCount: r.rejected_count,
    lastHint: r.last_hint,
    template: r.template_key === null || r.template_version === null || r.template_locale === null ? null : { key: r.template_key, version: r.template_version, locale: r.template_locale },
    read: r.is_read === 1,
    kind: r.kind as MessageRecord['kind'],
    inReplyTo: r.in_reply_to,
    confirmation: (r.confirmation as MessageRecord['confirmation']) ?? null,
    lifetimeMs: r.lifetime_ms,
  };
}

/** The whole message: its summary and its content. */
export function toRecord(r: Selectable<MessagesTable>): MessageRecord {
  const m = toListRecord(r) as MessageRecord;
  m.text = r.text_body;
  m.html = r.html_body;
  m.headers = fromJson(r.headers, {});
  m.attachments = fromJson(r.attachments, []);
  m.raw = r.raw_mime;
  m.replyText = r.reply_text;
  return m;
}

export function toRow(m: MessageRecord): MessagesTable {
  return {
    id: m.id,
    direction: m.direction,
    status: m.status,
    purpose: m.purpose,
    priority: m.priority,
    account_id: m.accountId,
    server_id: m.serverId,
    routing: toJson(m.routing),
    from_addr: toJson(m.from),
    envelope_from: m.envelopeFrom,
    to_addrs: toJson(m.to),
    cc_addrs: toJson(m.cc),
    bcc_addrs: toJson(m.bcc),
    reply_to: m.replyTo,
    subject: m.subject,
    text_body: m.text,
    html_body: m.html,
    headers: toJson(m.headers),
    attachments: toJson(m.attachments),
    size_bytes: m.sizeBytes,
    idempotency_scope: m.idempotencyScope,
    idempotency_key: m.idempotencyKey,
    request_hash: m.requestHash ?? null,
    send_at: m.sendAt,
    next_attempt_at: m.nextAttemptAt,
    expire_at: m.expireAt,
    attempt_count: m.attemptCount,
    lease_owner: m.leaseOwner,
    lease_until: m.leaseUntil,
    source: m.source,
    created_by: m.createdBy,
    last_error: m.lastError,
    message_id_header: m.messageIdHeader,
    sent_at: m.sentAt,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
    possible_duplicate: m.possibleDuplicate ? 1 : 0,
    rejected_count: m.rejectedCount,
    last_hint: m.lastHint,
    template_key: m.template?.key ?? null,
    template_version: m.template?.version ?? null,
    template_locale: m.template?.locale ?? null,
    // Both drivers bind a Buffer as binary (bytea, blob); a plain Uint8Array is wrapped, not copied.
    raw_mime: m.raw ? (Buffer.isBuffer(m.raw) ? m.raw : Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength)) : null,
    is_read: m.read ? 1 : 0,
    kind: m.kind,
    in_reply_to: m.inReplyTo,
    reply_text: m.replyText ?? null,
    // Written once, at insert: what the message was accepted with, whatever retries do to expire_at later.
    lifetime_ms: m.lifetimeMs ?? m.expireAt - m.sendAt,
    confirmation: m.confirmation ?? null,
  };
}

const recipient = rowMapping<RecipientRecord, MessageRecipientsTable>()({
  messageId: same,
  address: same,
  kind: oneOf<RecipientRecord['kind']>(),
  status: oneOf<RecipientRecord['status']>(),
  code: same,
  enhancedCode: same,
  response: same,
  updatedAt: same,
});

const attemptWithoutRoutes = rowMapping<Omit<AttemptRecord, 'routes'>, Omit<AttemptsTable, 'routes'>>()({
  id: same,
  messageId: same,
  at: same,
  durationMs: same,
  accountId: same,
  serverId: same,
  outcome: oneOf<AttemptRecord['outcome']>(),
  code: same,
  enhancedCode: same,
  response: same,
  possibleDuplicate: same,
  hint: same,
});

const attempt = attemptWithoutRoutes.withComputed({
  // Only direct delivery records routes; a relay's attempt has none (undefined, left out of JSON).
  routes: (r: Selectable<AttemptsTable>) => (r.routes ? fromJson<AttemptRoute[] | null>(r.routes, null) : undefined),
});
const toAttempt = (r: Selectable<AttemptsTable>): AttemptRecord => attempt.toDomain(r);



// The outbox's hot statements (one each per accepted, claimed or completed message), built
// and compiled once per dialect: see queryTemplate.
export const MESSAGE_COLUMNS = Object.keys(toRow({ routing: null, from: null, to: [], cc: [], bcc: [], headers: {}, attachments: [] } as unknown as MessageRecord)) as (keyof MessagesTable)[];
/** The columns of a message's content (MessageContentField): a page of the log does not read them. */
const CONTENT_COLUMNS = { text_body: null, html_body: null, headers: '{}', attachments: '[]', raw_mime: null, reply_text: null } as const;
const LIST_COLUMNS = MESSAGE_COLUMNS.filter((c) => !(c in CONTENT_COLUMNS));
const slots = <K extends string>(keys: readonly K[], slot: (k: K) => never) => Object.fromEntries(keys.map((k) => [k, slot(k)]));
export const RECIPIENT_COLUMNS = ['message_id', 'address', 'kind', 'status', 'code', 'enhanced_code', 'response', 'updated_at'] as const;
export const ATTEMPT_COLUMNS = ['id', 'message_id', 'at', 'duration_ms', 'account_id', 'server_id', 'outcome', 'code', 'enhanced_code', 'response', 'possible_duplicate', 'hint', 'routes'] as const;
const insertMessage = queryTemplate<keyof MessagesTable>((db, slot) => db.insertInto('messages').values(slots(MESSAGE_COLUMNS, slot) as never));
/**
 * A message's recipients go in with multi-row INSERTs of 64, 32 … 1 rows (13 recipients: 8 + 4
 * + 1), so one statement per set bit of the count instead of one per recipient, from seven
 * templates (each one prepared statement per PostgreSQL connection) whatever the counts are.
 */
const RECIPIENT_CHUNKS = [64, 32, 16, 8, 4, 2, 1];
const recipientSlotNames = (rows: number) => Array.from({ length: rows }, (_, i) => RECIPIENT_COLUMNS.map((c) => `${c}_${i}`));
const insertRecipients = new Map(
  RECIPIENT_CHUNKS.map((rows) => {
    const names = recipientSlotNames(rows);
    const template = queryTemplate<string>((db, slot) => db.insertInto('message_recipients').values(names.map((row) => Object.fromEntries(row.map((name, j) => [RECIPIENT_COLUMNS[j], slot(name)]))) as never));
    return [rows, { names, template }] as const;
  }),
);
const insertAttempt = queryTemplate<(typeof ATTEMPT_COLUMNS)[number]>((db, slot) => db.insertInto('attempts').values(slots(ATTEMPT_COLUMNS, slot) as never));
const completeMessage = queryTemplate<'status' | 'next' | 'count' | 'error' | 'hint' | 'sent' | 'account' | 'server' | 'now' | 'id' | 'owner' | 'dup'>((db, slot) =>
  db
    .updateTable('messages')
    .set({
      status: slot('status'),
      next_attempt_at: slot('next'),
      attempt_count: slot('count'),
      last_error: slot('error'),
      last_hint: slot('hint'),
      sent_at: slot('sent'),
      account_id: slot('account'),
      server_id: slot('server'),
      lease_owner: null,
      lease_until: null,
      updated_at: slot('now'),
      // Sticky: a later success does not clear it (two copies may have arrived).
      possible_duplicate: sql<number>`case when ${slot('dup')} = 1 then 1 else possible_duplicate end`,
    })
    .where('id', '=', slot('id'))
    .where('lease_owner', '=', slot('owner'))
    .where('status', '=', 'sending'),
);
const countRejected = queryTemplate<'id'>((db, slot) =>
  db
    .updateTable('messages')
    .set({ rejected_count: sql<number>`(select count(*) from message_recipients r where r.message_id = messages.id and r.status = 'rejected')` })
    .where('id', '=', slot('id')),
);
const completeRecipient = queryTemplate<'status' | 'code' | 'enhanced' | 'response' | 'now' | 'id' | 'address'>((db, slot) =>
  db
    .updateTable('message_recipients')
    .set({ status: slot('status'), code: slot('code'), enhanced_code: slot('enhanced'), response: slot('response'), updated_at: slot('now') })
    .where('message_id', '=', slot('id'))
    .where('address', '=', slot('address')),
);
/** Undefined is "no value" to Kysely's builder; bound as a parameter it must be NULL. */
const row = <T extends object>(o: T): T => {
  for (const k in o) if (o[k] === undefined) (o as Record<string, unknown>)[k] = null;
  return o;
};


/** A recipient's row as stored. */
export function recipientRow(r: RecipientRecord): MessageRecipientsTable {
  return row({ message_id: r.messageId, address: r.address, kind: r.kind, status: r.status, code: r.code, enhanced_code: r.enhancedCode, response: r.response, updated_at: r.updatedAt });
}

/** An attempt's row as stored. */
export function attemptRow(a: AttemptRecord): AttemptsTable {
  return row({ id: a.id, message_id: a.messageId, at: a.at, duration_ms: a.durationMs, account_id: a.accountId, server_id: a.serverId, outcome: a.outcome, code: a.code, enhanced_code: a.enhancedCode, response: a.response, possible_duplicate: a.possibleDuplicate, hint: a.hint, routes: a.routes ? toJson(a.routes) : null });
}

/** What an attempt's outcome changes in one recipient's row. */
export function completedRecipientRow(w: AttemptWrite, r: AttemptWrite['recipients'][number]) {
  return row({ message_id: w.messageId, address: r.address, status: r.status, code: r.code, enhanced_code: r.enhancedCode, response: r.response, updated_at: w.now });
}

/**
 * The ids of the messages sent or received to `address` (lower-cased, its domain in ASCII), as
 * the recipient filter asks: outbound mail by its envelope recipients (the index on
 * lower(address), migration 005), received mail by the addresses its To and Cc name
 * (received_addressees, migration 030), only the side `direction` asks for. A subquery walks
 * each index; a correlated EXISTS would probe every message instead.
 */
function addressedTo(db: Kysely<DB>, address: string, direction: MessageFilter['direction']) {
  const sent = db.selectFrom('message_recipients').select('message_id').where(sql<boolean>`lower(address) = ${address}`);
  const received = db.selectFrom('received_addressees').select('message_id').where('address', '=', address);
  if (direction === 'out') return sent;
  if (direction === 'in') return received;
  return sent.unionAll(received);
}

/**
 * `scans`: where reads that pass over many rows run (SQLite: a connection off the event loop);
 * `db` unless given. The log's pages, its subject search and a bulk action's list are such
 * reads: at a million messages a search or a date filter reads for seconds, and on the main
 * SQLite connection every request and delivery of the process waited meanwhile.
 */
export function messagesRepository(db: Kysely<DB>, caps: StoreTraits, scans: Kysely<DB> = db): MessageRepository {
  const filtered = (f: MessageFilter) => {
    let q = scans.selectFrom('messages');
    if (f.status?.length) q = q.where('status', 'in', f.status);
    if (f.purpose) q = q.where('purpose', '=', f.purpose);
    if (f.accountId) q = q.where('account_id', '=', f.accountId);
    if (f.direction) q = q.where('direction', '=', f.direction);
    // Read or unread is a received message's state; outbound mail has none (read: null).
    if (f.read !== undefined) q = q.where('direction', '=', 'in').where('is_read', '=', f.read ? 1 : 0);
    if (f.kind) q = q.where('kind', '=', f.kind);
    if (f.since !== undefined) q = q.where('created_at', '>=', f.since);
    if (f.until !== undefined) q = q.where('created_at', '<', f.until);
    // Case folded alike on both sides, beyond ASCII on both dialects (subject-search.ts).
    if (f.q) q = q.where(subjectContains(f.q, caps.dialect));
    if (f.recipient) q = q.where('messages.id', 'in', addressedTo(scans, f.recipient.toLowerCase(), f.direction));
    return q;
  };

  return {
    async insert(m, recipients) {
      await insertMessage(db, row(toRow(m)));
      for (let done = 0; done < recipients.length; ) {
        const rows = RECIPIENT_CHUNKS.find((n) => n <= recipients.length - done) as number;
        const { names, template } = insertRecipients.get(rows)!;
        const values: Record<string, unknown> = {};
        for (let i = 0; i < rows; i++) {
          const r = recipients[done + i];
          const v = recipientRow(r);
          RECIPIENT_COLUMNS.forEach((c, j) => (values[names[i][j]] = v[c]));
        }
        await template(db, values);
        done += rows;
      }
    },
    async findByIdempotencyKey(scope, key) {
      const r = await db.selectFrom('messages').selectAll().where('idempotency_scope', '=', scope).where('idempotency_key', '=', key).executeTakeFirst();
      return r && toRecord(r);
    },
    async get(id) {
      const r = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRecord(r);
    },
    async summaries(ids) {
      if (!ids.length) return [];
      const rows = await db.selectFrom('messages').select(LIST_COLUMNS).where('id', 'in', ids).execute();
      return rows.map(toListRecord);
    },
    async recipients(id) {
      const rows = await db.selectFrom('message_recipients').selectAll().where('message_id', '=', id).execute();
      return rows.map(recipient.toDomain);
    },
    async attempts(id) {
      const rows = await db.selectFrom('attempts').selectAll().where('message_id', '=', id).orderBy('at').orderBy('id').execute();
      return rows.map(toAttempt);
    },
    async list(query) {
      if (query.cursor) await assertCursorRow(scans.selectFrom('messages').select('id').where('id', '=', query.cursor));
      if (query.q) {
        const { q: text, cursor, limit, ...others } = query;
        const rows = await searchBySubject(scans, caps.dialect, () => filtered(others), { q: text, cursor, want: limit + 1 }, (b) => b.select(LIST_COLUMNS));
        return keysetPage(rows, limit, toListRecord);
      }
      // ids are time-ordered: newest first is "id descending", the cursor is the last id seen.
      let q = filtered(query).select(LIST_COLUMNS).orderBy('id', 'desc').limit(query.limit + 1);
      if (query.cursor) q = q.where('id', '<', query.cursor);
      return keysetPage(await q.execute(), query.limit, toListRecord);
    },
    async catchUpSearchIndex(limit) {
      // PostgreSQL's index (pg_trgm) is kept by the database itself at every insert.
      return caps.dialect === 'sqlite' ? catchUpSubjectIndex(db, limit) : 0;
    },
    async deleteFinished({ statuses, before, after, limit }) {
      // A window of the primary key, oldest first, from where the last one ended: each costs its
      // own rows. (Asked at once for "finished and old, oldest first", PostgreSQL gathered every
      // match from the status index and sorted them, every time: 60 ms a chunk at 20,000 old
      // messages, 240 ms at 100,000.) Ids are time-ordered, so the ids made before `before` are
      // a prefix of the key.
      let scan = db.selectFrom('messages').select('id').where('id', '<', idsBefore('msg', before)).orderBy('id').limit(limit);
      if (after !== undefined) scan = scan.where('id', '>', after);
      const window = (await scan.execute()).map((r) => r.id);
      if (!window.length) return { deleted: 0, next: null };
      // Of those, the finished whose last change is old too (a message retried lately was made long ago).
      let pick = db.selectFrom('messages').select('id').where('id', 'in', window).where('status', 'in', statuses).where('updated_at', '<', before);
      // SQLite hands the highest rowid out again once its row is gone, below the search index's
      // mark (subject-search.ts): the newest row stays, whatever its age.
      if (caps.dialect === 'sqlite') pick = pick.where(sql<boolean>`rowid < (select max(rowid) from messages)`);
      else pick = pick.forUpdate().skipLocked();
      const ids = (await pick.execute()).map((r) => r.id);
      const next = window.length < limit ? null : window[window.length - 1];
      if (!ids.length) return { deleted: 0, next };
      await db.deleteFrom('message_recipients').where('message_id', 'in', ids).execute();
      await db.deleteFrom('received_addressees').where('message_id', 'in', ids).execute();
      await db.deleteFrom('attempts').where('message_id', 'in', ids).execute();
      await db.deleteFrom('notify_event_messages').where('message_id', 'in', ids).execute();
      await forgetSubjects(db, caps.dialect, ids);
      await db.deleteFrom('messages').where('id', 'in', ids).execute();
      return { deleted: ids.length, next };
    },
    async ids(filter, limit, after) {
      // A bulk call's continuation: the primary key from where the last call ended.
      let q = filtered(filter).select('id').orderBy('id').limit(limit);
      if (after !== undefined) q = q.where('messages.id', '>', after);
      const rows = await q.execute();
      return rows.map((r) => r.id);
    },
    async countByStatus(filter, limit) {
      // The same rows a bulk call's ids() would list, counted where they are read.
      const matching = filtered(filter).select('status').orderBy('id').limit(limit).as('m');
      const rows = await scans.selectFrom(matching).select(['m.status', (eb) => eb.fn.countAll<number | string>().as('n')]).groupBy('m.status').execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    anyDue(o) {
      return peekDue(db, caps.dialect, o);
    },
    async claim({ owner, now, leaseUntil, limit, minPriority }) {
      const rows = await claimDue(db, caps.dialect, { owner, now, leaseUntil, limit, minPriority, columns: MESSAGE_COLUMNS });
      if (!rows.length) return [];
      // PostgreSQL's claim brought the recipients along; SQLite reads them now.
      const pending = rows[0].claimed_recipients
        ? rows.flatMap((r) => r.claimed_recipients ?? [])
        : await db
            .selectFrom('message_recipients')
            .selectAll()
            .where(
              'message_id',
              'in',
              rows.map((r) => r.id),
            )
            .execute();
      const byMessage = new Map<string, RecipientRecord[]>();
      const accepted = new Map<string, number>();
      for (const p of pending) {
        if (p.status === 'accepted') accepted.set(p.message_id, (accepted.get(p.message_id) ?? 0) + 1);
        if (p.status !== 'pending' && p.status !== 'deferred') continue;
        const list = byMessage.get(p.message_id) ?? [];
        list.push(recipient.toDomain(p));
        byMessage.set(p.message_id, list);
      }
      return rows
        .map((r): ClaimedMessage => ({ ...toRecord(r), pending: byMessage.get(r.id) ?? [], acceptedBefore: accepted.get(r.id) ?? 0 }))
        .sort((a, b) => b.priority - a.priority || a.nextAttemptAt - b.nextAttemptAt);
    },
    releaseExpiredLeases(now) {
      return releaseExpiredLeases(db, caps.dialect, now);
    },
    async renewLeases(owner, ids, leaseUntil) {
      if (!ids.length) return 0;
      const res = await db.updateTable('messages').set({ lease_until: leaseUntil }).where('lease_owner', '=', owner).where('status', '=', 'sending').where('id', 'in', ids).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
    async releaseLeasesOf(owner, keep, now) {
      let q = releaseLeases(db, now).where('lease_owner', '=', owner);
      if (keep.length) q = q.where('id', 'not in', keep);
      return Number((await q.executeTakeFirst()).numUpdatedRows);
    },
    async returnToQueue(owner, ids, now) {
      if (!ids.length) return 0;
      return Number((await releaseLeases(db, now).where('lease_owner', '=', owner).where('id', 'in', ids).executeTakeFirst()).numUpdatedRows);
    },
    async completeAttempt(w) {
      const res = await completeMessage(
        db,
        row({ status: w.status, next: w.nextAttemptAt, count: w.attemptCount, error: w.lastError, hint: w.attempt?.hint ?? null, sent: w.sentAt, account: w.accountId, server: w.serverId, now: w.now, id: w.messageId, owner: w.leaseOwner, dup: w.attempt?.possibleDuplicate ? 1 : 0 }),
      );
      if (Number(res.numAffectedRows ?? 0) === 0) return false;
      for (const r of w.recipients) {
        const v = completedRecipientRow(w, r);
        await completeRecipient(db, { status: v.status, code: v.code, enhanced: v.enhanced_code, response: v.response, now: v.updated_at, id: v.message_id, address: v.address });
      }
      // Only when this attempt refused someone (rare): count every refusal of the message so far.
      if (w.recipients.some((r) => r.status === 'rejected')) await countRejected(db, row({ id: w.messageId }));
      if (w.attempt) {
        const a = w.attempt;
        await insertAttempt(db, attemptRow(a));
      }
      return true;
    },
    async queueStats(now) {
      // One pass over the partial claim index's statuses plus "sending"; the status index serves it.
      // A quarter of a second at a million queued on SQLite: run where it holds no request up.
      const rows = await scans
        .selectFrom('messages')
        .select(['status', sql<number>`count(*)`.as('n'), sql<number | null>`min(case when next_attempt_at <= ${now} then next_attempt_at end)`.as('due')])
        .where('status', 'in', ['queued', 'deferred', 'sending'])
        .groupBy('status')
        .execute();
      const stats: QueueStats = { queued: 0, deferred: 0, sending: 0, oldestDueAt: null };
      for (const r of rows) {
        stats[r.status as 'queued' | 'deferred' | 'sending'] = Number(r.n);
        // A message being sent is not waiting: only queued and deferred ones count as due.
        if (r.status !== 'sending' && r.due !== null) stats.oldestDueAt = Math.min(stats.oldestDueAt ?? Infinity, Number(r.due));
      }
      return stats;
    },
    async endedSince(since) {
      // A final row changes again only when someone retries it (then it is no longer failed or
      // expired), so updated_at is when it ended. The statuses are literals so the partial index
      // messages_ended_idx (migration 005) matches: a planner cannot match it against parameters.
      const rows = await db
        .selectFrom('messages')
        .select(['status', sql<number>`count(*)`.as('n')])
        .where(sql<boolean>`status in ('failed', 'expired')`)
        .where('updated_at', '>=', since)
        .groupBy('status')
        .execute();
      const ended = { failed: 0, expired: 0 };
      for (const r of rows) ended[r.status as 'failed' | 'expired'] = Number(r.n);
      return ended;
    },
    async transition(ids, from, patch) {
      if (!ids.length) return [];
      const moved = await db
        .updateTable('messages')
        .set({
          status: patch.status,
          ...(patch.nextAttemptAt !== undefined ? { next_attempt_at: patch.nextAttemptAt } : {}),
          ...(patch.expireAt !== undefined ? { expire_at: patch.expireAt } : {}),
          ...(patch.lastError !== undefined ? { last_error: patch.lastError } : {}),
          lease_owner: null,
          lease_until: null,
          updated_at: patch.now,
        })
        .where('id', 'in', ids)
        .where('status', 'in', from)
        .returning('id')
        .execute();
      const movedIds = moved.map((r) => r.id);
      if (patch.resetRecipients && movedIds.length) {
        await db
          .updateTable('message_recipients')
          .set({ status: 'pending', updated_at: patch.now })
          .where('message_id', 'in', movedIds)
          // Delivered ones stay delivered; suppressed ones stay skipped (a retry is no way around the list).
          .where('status', 'not in', ['accepted', 'suppressed'])
          .execute();
      }
      return movedIds;
    },
  };
}
