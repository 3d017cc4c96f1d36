import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from '../../logger.js';
import type { WorkKind, WorkSignals } from '../../ports.js';
import type { DB } from '../schema.js';

/** The NOTIFY channel of each kind of work. */
export const WAKE_CHANNELS: Readonly<Record<WorkKind, string>> = { outbox: 'mailroom_outbox', webhooks: 'mailroom_webhooks' };
/** How the listening connection shows in pg_stat_activity (operators and tests find it by this). */
export const LISTENER_APPLICATION_NAME = 'mailroom-listener';
/** A listener says on this channel that it has just started listening (see othersListen below). */
export const PRESENCE_CHANNEL = 'mailroom_listeners';
/**
 * How long "no other process listens" is believed before it is looked up again. A process
 * whose listener starts says so on PRESENCE_CHANNEL, which ends the belief at once in every
 * listening process; this bound covers a presence notice that was lost with a connection.
 */
export const LISTENERS_RECHECK_MS = 1_000;

/**
 * At most one NOTIFY per this interval while announcements keep coming (the first after a quiet
 * spell goes at once). Each NOTIFY is a transaction of its own and wakes every other process
 * for a claim: with two processes on one PostgreSQL at ~1,200 msgs/s, one per accept batch
 * made a third of the transactions (pg_stat_statements: 445 NOTIFYs for 10,300 messages);
 * merged over 25 ms, transactions per message went from 0.167–0.174 to 0.137–0.154 (bench
 * --scale, 5 alternating pairs). The price: under load, a process that learns of new work only
 * from the signal (a worker beside `start --no-workers`) sees it up to this much later.
 */
export const NOTIFY_MIN_GAP_MS = 25;
/**
 * At most one NOTIFY per this interval while all that is announced is bulk mail (urgent mail
 * still goes after NOTIFY_MIN_GAP_MS). A process busy sending claims again after its gathering
 * pause without being told, and an idle one looks every MAILROOM_OUTBOX_POLL_MS (100 ms by
 * default): a bulk NOTIFY every 25 ms woke nobody who needed it, and with two processes was a
 * fifth of PostgreSQL's transactions (bench --scale: 0.146–0.160 transactions per message,
 * 0.113–0.122 with this, on a machine shared with other work). Bulk mail reaches a process
 * that polls rarely (a large MAILROOM_OUTBOX_POLL_MS, as where LISTEN works) up to this much
 * later; the process that accepted it claims it at once either way.
 */
export const BULK_NOTIFY_MIN_GAP_MS = 100;
/**
 * Appended to a NOTIFY's payload (the sender's id) when all it announces is bulk mail: the
 * processes it wakes claim it with their next gathered claim instead of cutting their
 * gathering pause (CLAIM_GATHER_MS), as they do for their own bulk mail. Without it, another
 * process's signal, every NOTIFY_MIN_GAP_MS under load, made a worker claim every 25 ms
 * instead of every 40. A payload without it (an older process) may be urgent.
 */
export const BULK_ONLY = ':bulk';
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 10_000;
// Generous: a busy database server can take seconds to start a backend, and a listener that
// gave up too soon would log an outage and wake every worker for nothing.
const CONNECT_TIMEOUT_MS = 30_000;
/**
 * A listener only reads, so a connection that died without a word (a dropped NAT entry, a
 * failed-over server) would look idle forever: it is asked a question this often, and counts
 * as lost when the answer takes longer than HEARTBEAT_TIMEOUT_MS.
 */
const HEARTBEAT_MS = 30_000;
const HEARTBEAT_TIMEOUT_MS = 30_000;

export interface PgWakeOptions {
  /** Where to LISTEN: PostgreSQL itself or a session-pooling PgBouncer; null: no listening, workers rely on polling. */
  listenUrl: string | null;
  /**
   * Notifies every channel given with one statement, through the store's pool, so a process
   * that only announces (a CLI command) opens no extra connection: in Mailroom, inside the
   * process's next group-commit transaction (store.ts, notifyWithNextCommit), so that a NOTIFY
   * is not a transaction of its own; notifyThrough(pool) below sends one on its own.
   */
  notify(channels: string[], payload: string): Promise<void>;
  /**
   * The backend pids of every Mailroom listener on this database (their LISTEN connections, by
   * application_name). Given, a process announces only while another process listens: one
   * process alone on its database sends no NOTIFY at all. Absent: every announcement is sent.
   */
  listeners?(): Promise<number[]>;
  logger: Logger;
}

/**
 * Cross-process wake-ups over PostgreSQL LISTEN/NOTIFY. Announcing is cheap and bounded: all
 * announcements of one event-loop turn become one NOTIFY per kind (a group commit resolves its
 * whole batch in one turn, so that is one per batch), and while one is on its way the next
 * ones wait and merge, so a busy process sends at most one NOTIFY per round trip and per
 * NOTIFY_MIN_GAP_MS. Listening
 * takes one dedicated connection (not from the pool: a pooled connection is handed to other
 * queries and LISTEN belongs to a session). When it drops, it reconnects with backoff, logging
 * once per outage, and then wakes every subscriber once for the signals it may have missed.
 */
export function pgWorkSignals(o: PgWakeOptions): WorkSignals {
  // The payload says who sent it: a process skips its own (its events port woke it already).
  const self = randomBytes(8).toString('hex');
  const subscribers = new Map<WorkKind, Set<(urgent: boolean) => void>>();
  const kindOf = new Map(Object.entries(WAKE_CHANNELS).map(([kind, channel]) => [channel, kind as WorkKind]));
  let closed = false;

  // --- announcing ---
  const pending = new Set<WorkKind>();
  /** Something announced since the last NOTIFY may be urgent (else the NOTIFY says BULK_ONLY). */
  let urgentPending = false;
  let turnScheduled = false;
  let sending: Promise<void> | null = null;
  let notifyFailing = false;
  /** When the last NOTIFY was sent (performance.now()); -Infinity: never, so the first goes at once. */
  let lastSentAt = -Infinity;
  /** Ends the wait for the next NOTIFY early: urgent mail announced while bulk mail waited out its longer gap. */
  let cutWait: (() => void) | null = null;
  const sendPending = async () => {
    while (pending.size) {
      // Under load, announcements of the next NOTIFY_MIN_GAP_MS (bulk mail alone:
      // BULK_NOTIFY_MIN_GAP_MS) merge into one (a closing process sends at once: `mailroom send`
      // exits right after its commit).
      const wait = lastSentAt + (urgentPending ? NOTIFY_MIN_GAP_MS : BULK_NOTIFY_MIN_GAP_MS) - performance.now();
      if (wait > 0 && !closed) {
        await new Promise<void>((r) => {
          const timer = setTimeout(r, Math.ceil(wait));
          cutWait = () => (clearTimeout(timer), r());
        });
        cutWait = null;
        // Urgent mail may have shortened the gap: measure again.
        continue;
      }
      const kinds = [...pending];
      const bulkOnly = !urgentPending;
      pending.clear();
      urgentPending = false;
      if (!(await othersListen())) continue;
      try {
        lastSentAt = performance.now();
        // One statement for all kinds: a process that accepts without delivering (start
        // --no-workers) announces new mail and its journal in the same turn.
        await o.notify(kinds.map((kind) => WAKE_CHANNELS[kind]), bulkOnly ? `${self}${BULK_ONLY}` : self);
        notifyFailing = false;
      } catch (err) {
        // The other processes poll; a store outage is logged by the store itself.
        if (!notifyFailing) o.logger.warn({ err }, 'could not notify the other processes of new work; they find it by polling');
        notifyFailing = true;
      }
    }
  };
  const startSending = () => {
    if (sending || !pending.size) return;
    sending = sendPending().finally(() => {
      sending = null;
      startSending();
    });
  };

  // --- who else listens ---
  // A NOTIFY is a statement per batch of work (about 5 % of a busy process's statements): a
  // process alone on its database, the usual case, has nobody to send it to.
  let othersKnown: { at: number; others: Promise<boolean> } | null = null;
  const othersListen = (): Promise<boolean> => {
    if (!o.listeners) return Promise.resolve(true);
    const now = Date.now();
    if (othersKnown && now - othersKnown.at < LISTENERS_RECHECK_MS && now >= othersKnown.at) return othersKnown.others;
    const own = client ? ownPid : null;
    const others = o.listeners().then(
      (pids) => pids.some((pid) => pid !== own),
      // Not known: announce, as without the lookup.
      () => true,
    );
    othersKnown = { at: now, others };
    return others;
  };

  // --- listening ---
  let client: pg.Client | null = null;
  /** The backend pid of this process's listener (not another process's, in the listeners lookup). */
  let ownPid: number | null = null;
  let firstListen: Promise<void> | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let retryMs = RECONNECT_FIRST_MS;
  let outage = false;
  let everListened = false;

  const wake = (kinds: Iterable<WorkKind>, urgent: boolean) => {
    for (const kind of kinds) {
      for (const fn of subscribers.get(kind) ?? []) {
        try {
          fn(urgent);
        } catch (err) {
          o.logger.error({ err, kind }, 'a wake-up subscriber failed');
        }
      }
    }
  };

  const scheduleReconnect = () => {
    if (closed || reconnectTimer) return;
    // Jitter: processes that lost the server together do not all come back in the same instant.
    const delay = retryMs * (0.8 + Math.random() * 0.4);
    retryMs = Math.min(retryMs * 2, RECONNECT_MAX_MS);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      void listen();
    }, delay);
  };

  const listen = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: o.listenUrl!, application_name: LISTENER_APPLICATION_NAME, keepAlive: true, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    let lost = false;
    const onLost = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (client === c) client = null;
      c.end().catch(() => undefined);
      if (closed) return;
      if (!outage) {
        outage = true;
        // A first connection refused (a server at max_connections, still starting) is not "gone".
        const what = everListened ? 'the LISTEN connection to PostgreSQL is gone' : 'could not open the LISTEN connection to PostgreSQL';
        o.logger.warn({ err }, `${what}: work from other processes is found by polling until it is back (reconnecting)`);
      }
      scheduleReconnect();
    };
    // Without an 'error' listener a dropped connection would crash the process.
    c.on('error', onLost);
    c.on('end', () => onLost(new Error('the LISTEN connection ended')));
    c.on('notification', (n) => {
      // Another process started listening: from now on it wants this process's announcements.
      if (n.channel === PRESENCE_CHANNEL) othersKnown = null;
      const kind = kindOf.get(n.channel);
      const bulkOnly = n.payload?.endsWith(BULK_ONLY) ?? false;
      const sender = bulkOnly ? n.payload!.slice(0, -BULK_ONLY.length) : n.payload;
      if (kind && sender !== self) wake([kind], !bulkOnly);
    });
    try {
      await c.connect();
      await c.query([...Object.values(WAKE_CHANNELS), PRESENCE_CHANNEL].map((channel) => `LISTEN ${channel}`).join('; '));
      ownPid = Number((await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid);
      // Processes that believed nobody listens learn otherwise now, not LISTENERS_RECHECK_MS later.
      await c.query(`NOTIFY ${PRESENCE_CHANNEL}`);
    } catch (err) {
      onLost(err);
      return;
    }
    if (lost) return;
    if (closed) {
      await c.end().catch(() => undefined);
      return;
    }
    client = c;
    everListened = true;
    retryMs = RECONNECT_FIRST_MS;
    heartbeat ??= setInterval(() => void checkAlive(), HEARTBEAT_MS).unref();
    if (outage) {
      outage = false;
      o.logger.info('the LISTEN connection to PostgreSQL is back');
      // Whatever was announced while nobody listened is unknown (urgent mail, maybe): look once.
      wake(subscribers.keys(), true);
    }
  };

  const checkAlive = async () => {
    const c = client;
    if (!c) return;
    let timer: NodeJS.Timeout | undefined;
    const silent = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the LISTEN connection did not answer within ${HEARTBEAT_TIMEOUT_MS} ms`)), HEARTBEAT_TIMEOUT_MS);
    });
    try {
      await Promise.race([c.query('select 1'), silent]);
    } catch (err) {
      // An error on the client also reaches its 'error' listener; emitting here covers the silent case.
      if (client === c) c.emit('error', err);
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    announce(kind, urgent = true) {
      if (closed) return;
      pending.add(kind);
      if (urgent && !urgentPending) {
        urgentPending = true;
        cutWait?.();
      }
      if (turnScheduled) return;
      turnScheduled = true;
      setImmediate(() => {
        turnScheduled = false;
        startSending();
      });
    },
    async subscribe(kind, fn) {
      let set = subscribers.get(kind);
      if (!set) subscribers.set(kind, (set = new Set()));
      set.add(fn);
      if (o.listenUrl && !closed) await (firstListen ??= listen());
      return () => void set.delete(fn);
    },
    async close() {
      closed = true;
      // What this process announced still goes out (a `mailroom send` exits right after its commit).
      startSending();
      while (sending) await sending;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (heartbeat) clearInterval(heartbeat);
      reconnectTimer = heartbeat = null;
      await firstListen;
      const c = client;
      client = null;
      await c?.end().catch(() => undefined);
    },
  };
}

/** The Mailroom listeners on the store's database, through the store's pool (see PgWakeOptions.listeners). */
export function listenersThrough(db: Kysely<DB>): NonNullable<PgWakeOptions['listeners']> {
  return async () =>
    (await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${LISTENER_APPLICATION_NAME} and datname = current_database()`.execute(db)).rows.map((r) => Number(r.pid));
}

/** NOTIFY on `db`: the store's pool (a statement and a transaction of its own), or a group commit's transaction (store.ts). pg_notify binds the channel and payload as values. */
export function notifyThrough(db: Kysely<DB>): PgWakeOptions['notify'] {
  return async (channels, payload) => void (await sql`select pg_notify(c, ${payload}) from unnest(${channels}::text[]) as c`.execute(db));
}
