import Database from 'better-sqlite3';
import pg from 'pg';
import { newId } from '../src/core/kernel/ids.js';
import { body } from './peers.js';
import type { MailroomProcess } from './mailroom-process.js';

/**
 * Fills a queue fast: copies of one message the API accepted (its `messages` row and its one
 * `message_recipients` row), written straight into the database in chunks of one INSERT …
 * SELECT each, on either dialect. Every column comes from the accepted row, so the copies are
 * what the API would have stored (same purpose, priority, account, routing, send_at, expiry),
 * except what differs per message: a new time-ordered id (cursors and "newest first" keep
 * working), its Message-ID header, the subject ("<subject> <n>": a search for "report 4242"
 * finds few) and the recipient (`user<n % 10000>@example.net`, in to_addrs and the recipient
 * row alike). Run it while no Mailroom holds the database (SQLite: one writer).
 */
export interface CloneTarget {
  databaseUrl?: string;
  sqlitePath: string;
}

/** A weekly report to `address`, scheduled a day ahead and accepted by the API: what the copies are made of (its id). */
export async function acceptScheduledReport(mr: Pick<MailroomProcess, 'api'>, address: string): Promise<string> {
  const res = await mr.api('POST', '/api/v1/messages', { purpose: 'report', to: [address], subject: 'Weekly report', text: body(0), sendAt: new Date(Date.now() + 86_400_000).toISOString() });
  if (res.status !== 202) throw new Error(`the report to copy was refused: ${res.body}`);
  return (JSON.parse(res.body) as { id: string }).id;
}

export const cloneRecipient = (n: number) => `user${n % 10_000}@example.net`;

const CHUNK = 10_000;

/** Column → SQL expression over the template row `m` and the chunk's row `t` ({id}, {n}). */
function overrides(tplAddr: string, dueAt?: number): Record<string, string> {
  const addr = `'user' || ({n} % 10000) || '@example.net'`;
  return {
    ...(dueAt === undefined ? {} : { send_at: String(dueAt), next_attempt_at: String(dueAt) }),
    id: '{id}',
    subject: `m.subject || ' ' || {n}`,
    to_addrs: `replace(m.to_addrs, '${tplAddr}', ${addr})`,
    // `<ulid@domain>`: the id without its "msg_" prefix.
    message_id_header: `replace(m.message_id_header, substr(m.id, 5), substr({id}, 5))`,
  };
}

function selectList(columns: string[], table: 'messages' | 'message_recipients', tplAddr: string, id: string, n: string, dueAt?: number): string {
  const own: Record<string, string> = table === 'messages' ? overrides(tplAddr, dueAt) : { message_id: '{id}', address: `'user' || ({n} % 10000) || '@example.net'` };
  return columns.map((c) => (own[c] ?? `m.${c}`).replaceAll('{id}', id).replaceAll('{n}', n)).join(', ');
}

/** Inserts `count` copies of message `templateId`, numbered from `first`; calls `progress` after each chunk. */
export async function cloneMessages(target: CloneTarget, o: CloneOptions): Promise<void> {
  if (/'/.test(o.templateAddress)) throw new Error('the template address must not hold a quote');
  if (o.dueAt !== undefined && !Number.isInteger(o.dueAt)) throw new Error('dueAt must be epoch milliseconds');
  if (target.databaseUrl) return clonePostgres(target.databaseUrl, o);
  return cloneSqlite(target.sqlitePath, o);
}

export interface CloneOptions {
  templateId: string;
  /** The template's one recipient, replaced in the copies' to_addrs. */
  templateAddress: string;
  count: number;
  /** Number of the first copy (default 1). */
  first?: number;
  /** The copies are due at this time (send_at, next_attempt_at) instead of the template's. */
  dueAt?: number;
  progress?: (done: number) => void;
}

function ids(count: number): string[] {
  return Array.from({ length: count }, () => newId('msg'));
}

function cloneSqlite(file: string, { templateId: tpl, templateAddress: tplAddr, first = 1, count, dueAt, progress }: CloneOptions): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const cols = (t: string) => (db.prepare(`select name from pragma_table_info('${t}')`).all() as { name: string }[]).map((r) => r.name);
    const mCols = cols('messages');
    const rCols = cols('message_recipients');
    // json_each over the chunk's ids: `key` is the position, `value` the id.
    const insM = db.prepare(`insert into messages (${mCols.join(', ')}) select ${selectList(mCols, 'messages', tplAddr, 't.value', '(cast(@base as integer) + t.key)', dueAt)} from messages m, json_each(@ids) t where m.id = @tpl`);
    const insR = db.prepare(`insert into message_recipients (${rCols.join(', ')}) select ${selectList(rCols, 'message_recipients', tplAddr, 't.value', '(cast(@base as integer) + t.key)')} from message_recipients m, json_each(@ids) t where m.message_id = @tpl`);
    const chunk = db.transaction((base: number, list: string[]) => {
      const p = { base, ids: JSON.stringify(list), tpl };
      insM.run(p);
      insR.run(p);
    });
    for (let done = 0; done < count; done += CHUNK) {
      const n = Math.min(CHUNK, count - done);
      chunk(first + done, ids(n));
      progress?.(done + n);
    }
    // The WAL holds every page written: fold it into the database so the next start does not.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function clonePostgres(url: string, { templateId: tpl, templateAddress: tplAddr, first = 1, count, dueAt, progress }: CloneOptions): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const cols = async (t: string) => (await c.query(`select column_name from information_schema.columns where table_schema = current_schema() and table_name = $1 order by ordinal_position`, [t])).rows.map((r) => r.column_name as string);
    const mCols = await cols('messages');
    const rCols = await cols('message_recipients');
    // unnest … with ordinality numbers the chunk's ids from 1.
    const insM = `insert into messages (${mCols.join(', ')}) select ${selectList(mCols, 'messages', tplAddr, 't.id', '($2::int + t.k - 1)', dueAt)} from messages m, unnest($1::text[]) with ordinality t(id, k) where m.id = $3`;
    const insR = `insert into message_recipients (${rCols.join(', ')}) select ${selectList(rCols, 'message_recipients', tplAddr, 't.id', '($2::int + t.k - 1)')} from message_recipients m, unnest($1::text[]) with ordinality t(id, k) where m.message_id = $3`;
    for (let done = 0; done < count; done += CHUNK) {
      const n = Math.min(CHUNK, count - done);
      const p = [ids(n), first + done, tpl];
      await c.query('begin');
      await c.query(insM, p);
      await c.query(insR, p);
      await c.query('commit');
      progress?.(done + n);
    }
    // What autovacuum does within a minute or so of a bulk arrival (statistics, the visibility
    // map index-only scans need), done now so every run measures the same state.
    await c.query('vacuum (analyze) messages, message_recipients');
  } finally {
    await c.end();
  }
}
