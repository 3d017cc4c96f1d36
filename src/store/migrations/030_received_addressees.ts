import { sql, type Kysely } from 'kysely';
import { domainToASCII } from 'node:url';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Received mail is found by its addresses, and a folder counts the messages it read again.
 *
 * - received_addressees: one row per address a received message names in To or Cc, lower-cased,
 *   the domain in ASCII, as the log's recipient filter compares. The filter found received mail
 *   never: it looked in message_recipients only, which holds the outbox's envelope recipients
 *   (delivery claims, bounces, retries and statistics read it, and none of them must ever take a
 *   received message's address for one Mailroom sends to). Its index on (address, message_id)
 *   serves `GET /messages?recipient=` as message_recipients_lower_address_idx does outbound mail.
 *   The messages already received are indexed here, from their stored To and Cc.
 * - inbound_mailboxes.duplicate_count: messages a reader read again (a resync, a copy in a second
 *   folder) and did not store twice, shown beside stored_count instead of a count that silently
 *   stays below the messages read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('received_addressees')
    .addColumn('message_id', 'varchar(40)', (c) => c.notNull().references('messages.id').onDelete('cascade'))
    .addColumn('address', 'varchar(320)', (c) => c.notNull())
    .addPrimaryKeyConstraint('received_addressees_pk', ['message_id', 'address'])
    .execute();
  await sql`create index received_addressees_address_idx on received_addressees (address, message_id)`.execute(db);
  await db.schema.alterTable('inbound_mailboxes').addColumn('duplicate_count', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await indexReceivedMail(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('inbound_mailboxes').dropColumn('duplicate_count').execute();
  await db.schema.dropTable('received_addressees').execute();
}

/** Received messages read per round: their To and Cc only (JSON text), never their bodies. */
const BATCH = 500;
/** Rows per INSERT: two parameters each, far below either dialect's limit. */
const ROWS_PER_INSERT = 1000;

/** The key addressees() gives an address at the time of this migration, written out (a migration never changes). */
function addressKey(address: string): string {
  const text = address.trim();
  const at = text.lastIndexOf('@');
  const domain = (label: string) => (/^[ -~]*$/.test(label) ? label : domainToASCII(label) || label);
  return (at < 0 ? text : `${text.slice(0, at)}@${text.slice(at + 1).split('.').map(domain).join('.')}`).toLowerCase();
}

function keysOf(json: string | null): string[] {
  try {
    const list = JSON.parse(json ?? '[]') as unknown;
    if (!Array.isArray(list)) return [];
    return list.flatMap((a) => (a && typeof a === 'object' && typeof (a as { address?: unknown }).address === 'string' ? [addressKey((a as { address: string }).address)] : []));
  } catch {
    return [];
  }
}

/** The messages received before this migration, in id order, a batch at a time, each round on from where the last ended. */
async function indexReceivedMail(db: Kysely<any>): Promise<void> {
  for (let after = ''; ; ) {
    const rows: { id: string; to_addrs: string | null; cc_addrs: string | null }[] = await db
      .selectFrom('messages')
      .select(['id', 'to_addrs', 'cc_addrs'])
      .where('direction', '=', 'in')
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (!rows.length) return;
    const values = rows.flatMap((r) => [...new Set([...keysOf(r.to_addrs), ...keysOf(r.cc_addrs)])].filter((k) => k.includes('@') && k.length <= 320).map((address) => ({ message_id: r.id, address })));
    for (let i = 0; i < values.length; i += ROWS_PER_INSERT) {
      await db
        .insertInto('received_addressees')
        .values(values.slice(i, i + ROWS_PER_INSERT))
        .onConflict((oc: any) => oc.doNothing())
        .execute();
    }
    after = rows[rows.length - 1].id;
    if (rows.length < BATCH) return;
  }
}
