import { CompiledQuery, type Kysely } from 'kysely';
import type { JournalEntry } from '../../core/kernel/event-journal.js';
import type { AttemptWrite, MessageRecord, RecipientRecord } from '../../core/outbox/ports.js';
import type { Repositories } from '../../core/ports.js';
import type { Suppression } from '../../core/inbound/suppressions.js';
import { coalesce } from '../coalescer.js';
import { preparedSql } from '../statement-cache.js';
import { inJsonField, notAnIndexCondition } from '../json-list.js';
import { ATTEMPT_COLUMNS, MESSAGE_COLUMNS, RECIPIENT_COLUMNS, attemptRow, completedRecipientRow, recipientRow, toRow } from '../repositories/messages.repository.js';
import type { DB } from '../schema.js';

/**
 * The outbox's writes of one group-commit batch as a few multi-row statements on PostgreSQL,
 * instead of several statements per message: every statement is a round trip and a parse,
 * bind and execute on the server, and with hundreds of messages a second those, not the rows,
 * were the cost (7.5 statements per message, ~1.7 ms of server CPU each message). Tables
 * written together share a statement through data-modifying CTEs: accepted messages with their
 * recipients, outcomes with their recipients and attempts.
 *
 * The rows travel as one JSON array and `json_populate_recordset(null::table, …)` turns them
 * into rows of the table's own type: one statement text whatever the row count, every value
 * converted by its column's own input function (numbers, text, `\x…` hex for bytea). The
 * updates also name their rows' keys as an index condition (inJsonField, json-list.ts): joined
 * to the record set alone, the planner scanned the whole table for every batch.
 *
 * The group commit runs a batch's jobs concurrently on its one connection (GroupCommit's
 * `concurrent`), so their calls meet in the coalescer (coalescer.ts).
 */
export function batchedOutboxWrites(trx: Kysely<DB>, repos: Repositories): Repositories {
  // Each list of rows is one JSON parameter ($1, $2, …).
  const run = (text: string, ...lists: unknown[][]) => trx.executeQuery<{ id: string }>(CompiledQuery.raw(text, lists.map((rows) => JSON.stringify(rows))));

  const insert = coalesce<{ message: MessageRecord; recipients: RecipientRecord[] }, void>(async (items) => {
    await run(
      INSERT_OUTBOUND,
      items.map((i) => binaryAsHex(toRow(i.message))),
      items.flatMap((i) => i.recipients.map(recipientRow)),
    );
    return items.map(() => undefined);
  });

  const complete = coalesce<AttemptWrite, boolean>(async (writes) => {
    // One statement for the messages, their recipients and the attempts; the recipients and
    // attempts of a message whose lease was lost (not updated) are left out by the statement.
    const updated = await run(
      COMPLETE_OUTCOME,
      writes.map((w) => ({
        id: w.messageId,
        lease_owner: w.leaseOwner,
        status: w.status,
        next_attempt_at: w.nextAttemptAt,
        attempt_count: w.attemptCount,
        last_error: w.lastError,
        last_hint: w.attempt?.hint ?? null,
        sent_at: w.sentAt,
        account_id: w.accountId,
        server_id: w.serverId,
        updated_at: w.now,
        possible_duplicate: w.attempt?.possibleDuplicate ? 1 : 0,
      })),
      writes.flatMap((w) => w.recipients.map((r) => completedRecipientRow(w, r))),
      writes.flatMap((w) => (w.attempt ? [attemptRow(w.attempt)] : [])),
    );
    // A write whose lease was lost changed nothing, and nothing else of it was written.
    const done = new Set(updated.rows.map((r) => r.id));
    // Only when an attempt refused someone (rare): count every refusal of the message so far,
    // in a statement of its own (the one above cannot see the recipients it updates).
    const refused = writes.filter((w) => done.has(w.messageId) && w.recipients.some((r) => r.status === 'rejected'));
    if (refused.length) await run(COUNT_REJECTED, refused.map((w) => ({ id: w.messageId })));
    return writes.map((w) => done.has(w.messageId));
  });

  const append = coalesce<{ entries: readonly JournalEntry[]; pending: number }, void>(async (calls) => {
    const rows = calls.flatMap((c) => c.entries.map((e) => ({ id: e.id, type: e.type, message_id: e.messageId, at: e.at, data: e.data, pending: c.pending })));
    if (rows.length) await run(INSERT_JOURNAL, rows);
    return calls.map(() => undefined);
  });

  return {
    ...repos,
    messages: { ...repos.messages, insert: (message, recipients) => insert({ message, recipients }), completeAttempt: complete },
    eventJournal: { ...repos.eventJournal, append: async (entries, opts) => (entries.length ? append({ entries, pending: opts?.read ? 0 : 1 }) : undefined) },
  };
}

/**
 * Suppression look-ups of concurrent callers as one query: every message accepted asks whether
 * its recipients are on the list, in its group-commit batch's transaction (one look-up per
 * batch), and messages planned outside it (an event's rules) in the same turn share one too.
 */
export function batchedSuppressionLookups(repos: Repositories): Repositories {
  const active = coalesce<{ addresses: readonly string[]; now: number }, Suppression[]>(async (calls) => {
    // One `now` for all: the calls of one turn are microseconds apart.
    const now = Math.min(...calls.map((c) => c.now));
    const found = await repos.suppressions.active([...new Set(calls.flatMap((c) => c.addresses))], now);
    const byAddress = new Map(found.map((s) => [s.address, s]));
    return calls.map((c) => c.addresses.flatMap((a) => byAddress.get(a) ?? []));
  });
  return { ...repos, suppressions: { ...repos.suppressions, active: (addresses, now) => active({ addresses, now }) } };
}

/** A relayed message's raw MIME as PostgreSQL's bytea hex text (JSON has no bytes). */
function binaryAsHex(row: ReturnType<typeof toRow>): unknown {
  return row.raw_mime ? { ...row, raw_mime: `\\x${Buffer.from(row.raw_mime.buffer, row.raw_mime.byteOffset, row.raw_mime.byteLength).toString('hex')}` } : row;
}

const columns = (names: readonly string[]) => names.map((c) => `"${c}"`).join(', ');
const JOURNAL_COLUMNS = ['id', 'type', 'message_id', 'at', 'data', 'pending'];
/** Rows of `table` from the JSON array in parameter `param`, where `where` holds (a condition on the array's fields). */
const insertRows = (table: string, names: readonly string[], param = '$1', where = '') =>
  `insert into "${table}" (${columns(names)}) select ${columns(names)} from json_populate_recordset(null::"${table}", ${param}::json)${where ? ` where ${where}` : ''}`;

/** Accepted messages ($1) and their recipients ($2) in one statement (the foreign key is checked at its end). */
const INSERT_OUTBOUND = preparedSql(`with m as (${insertRows('messages', MESSAGE_COLUMNS)}) ${insertRows('message_recipients', RECIPIENT_COLUMNS, '$2')}`);
/** Journal entries ($1), unread ones only while a webhook endpoint is enabled (EventJournalRepository.append), in one statement. */
const INSERT_JOURNAL = preparedSql(insertRows('event_journal', JOURNAL_COLUMNS, '$1', `"pending" = 0 or exists (select 1 from "webhook_endpoints" where "enabled" = 1)`));
// Same conditions as the one-row statement in messages.repository.ts: only the lease holder
// completes a message still being sent; possible_duplicate is sticky.
const completeMessages = (p: string) => `update "messages" as m set "status" = v."status", "next_attempt_at" = v."next_attempt_at", "attempt_count" = v."attempt_count",
  "last_error" = v."last_error", "last_hint" = v."last_hint", "sent_at" = v."sent_at", "account_id" = v."account_id", "server_id" = v."server_id",
  "lease_owner" = null, "lease_until" = null, "updated_at" = v."updated_at",
  "possible_duplicate" = case when v."possible_duplicate" = 1 then 1 else m."possible_duplicate" end
  from json_populate_recordset(null::"messages", ${p}::json) as v
  where m."id" = v."id" and ${inJsonField('m."id"', p, 'id')} and m."lease_owner" = v."lease_owner" and ${notAnIndexCondition(`m."status" = 'sending'`)}
  returning m."id"`;
const completeRecipients = (p: string) => `update "message_recipients" as r set "status" = v."status", "code" = v."code", "enhanced_code" = v."enhanced_code", "response" = v."response", "updated_at" = v."updated_at"
  from json_populate_recordset(null::"message_recipients", ${p}::json) as v
  where r."message_id" = v."message_id" and r."address" = v."address" and ${inJsonField('r."message_id"', p, 'message_id')}`;
/**
 * A batch of outcomes: the messages ($1) whose lease still holds, then their recipients ($2) and
 * attempts ($3), as one statement (data-modifying CTEs run once each, in one snapshot; the later
 * ones keep only the messages the first one updated). Answers the updated messages' ids.
 */
const COMPLETE_OUTCOME = preparedSql(`with m as (${completeMessages('$1')}),
  r as (${completeRecipients('$2')} and r."message_id" in (select "id" from m)),
  a as (${insertRows('attempts', ATTEMPT_COLUMNS, '$3', `"message_id" in (select "id" from m)`)})
  select "id" from m`);
const COUNT_REJECTED = preparedSql(`update "messages" as m set "rejected_count" = (select count(*) from "message_recipients" r where r."message_id" = m."id" and r."status" = 'rejected')
  from json_populate_recordset(null::"messages", $1::json) as v where m."id" = v."id" and ${inJsonField('m."id"', '$1', 'id')}`);

/** The batched outcome's updates, for the tests that check their plans (each alone, and `outcome` with all three lists). */
export const OUTCOME_UPDATES = { messages: completeMessages('$1'), recipients: completeRecipients('$1'), rejectedCount: COUNT_REJECTED, outcome: COMPLETE_OUTCOME } as const;

/** The statements a group-commit batch runs, each prepared (preparedSql): for the tests of what is prepared and of their generic plans. */
export const BATCHED_WRITES = { insert: INSERT_OUTBOUND, journal: INSERT_JOURNAL, outcome: COMPLETE_OUTCOME, rejectedCount: COUNT_REJECTED } as const;
