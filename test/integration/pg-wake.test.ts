import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { WorkSignals } from '../../src/ports.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { BULK_NOTIFY_MIN_GAP_MS, LISTENER_APPLICATION_NAME, NOTIFY_MIN_GAP_MS, WAKE_CHANNELS, listenersThrough, notifyThrough, pgWorkSignals } from '../../src/store/postgres/pg-wake.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';

/**
 * The LISTEN/NOTIFY adapter against a real PostgreSQL (the feature exists only there): one
 * NOTIFY per event-loop turn, a process never woken by its own signal, the listening
 * connection cut and refused and coming back (one warning per outage, one wake-up after it),
 * and what a one-shot command announced still sent when it closes.
 */
const pgOk = await postgresAvailable();

/** A logger whose lines the test reads. */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg), infos: () => lines.filter((l) => l.level === 30).map((l) => l.msg) };
}

/**
 * Resolves when a subscribed listener is really listening. Should its first LISTEN connection
 * be refused (a server at max_connections, or still starting), the listener warns, retries and
 * wakes its subscribers once when it is up ("back", logged just before that wake-up): the
 * counts a test asserts start after that.
 */
async function listening(log: ReturnType<typeof capturingLogger>): Promise<void> {
  if (!log.warnings().some((m) => m.includes('could not open the LISTEN connection'))) return;
  await expect.poll(() => log.infos().some((m) => m.includes('LISTEN connection to PostgreSQL is back')), { timeout: 30_000 }).toBe(true);
}

/** A loopback relay to PostgreSQL that can cut its connections and then turn new ones away (counting them). */
async function startGate(target: number) {
  const sockets = new Set<Socket>();
  let refusing = false;
  let refused = 0;
  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    if (refusing) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = connect(target, '127.0.0.1');
    upstream.on('error', () => undefined);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    refused: () => refused,
    refuse() {
      refusing = true;
      for (const s of sockets) s.resetAndDestroy();
    },
    admit: () => void (refusing = false),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!pgOk)('PostgreSQL wake-ups between processes (LISTEN/NOTIFY)', () => {
  let pgdb: { url: string; drop(): Promise<void> };
  let database: StoreDatabase;
  let observer: pg.Client;
  /** Payloads seen on the outbox channel by a plain client of the test. */
  const seen: string[] = [];
  const open: WorkSignals[] = [];
  /** NOTIFY statements sent (the channels of each) and listener lookups made, by every process of the test. */
  const sent: string[][] = [];
  /** When each of them was sent (performance.now()). */
  const sentAt: number[] = [];
  let lookups = 0;
  const signals = (listenUrl: string | null, logger = capturingLogger().logger) => {
    const notify = notifyThrough(database.db);
    const listeners = listenersThrough(database.db);
    const s = pgWorkSignals({
      listenUrl,
      logger,
      notify: (channels, payload) => (sent.push(channels), sentAt.push(performance.now()), notify(channels, payload)),
      listeners: () => (lookups++, listeners()),
    });
    open.push(s);
    return s;
  };
  const listenerPids = async () =>
    (await observer.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1 and datname = current_database()', [LISTENER_APPLICATION_NAME])).rows.map((r) => r.pid);

  beforeAll(async () => {
    pgdb = await createPostgresDatabase();
    database = openDatabase({ databaseUrl: pgdb.url, dataDir: '/nonexistent' });
    observer = new pg.Client({ connectionString: pgdb.url });
    await observer.connect();
    // Payloads on the outbox channel, and the test's end marker (sent on the webhooks channel).
    observer.on('notification', (n) => (n.channel === WAKE_CHANNELS.outbox || n.payload === 'end') && seen.push(n.payload ?? ''));
    await observer.query(`LISTEN ${WAKE_CHANNELS.outbox}; LISTEN ${WAKE_CHANNELS.webhooks}`);
  });
  afterAll(async () => {
    for (const s of open) await s.close();
    await observer?.end();
    await database?.close();
    await pgdb?.drop();
  });

  it('sends one NOTIFY for a turn of announcements and wakes the other process, never itself', async () => {
    const logA = capturingLogger();
    const logB = capturingLogger();
    const a = signals(pgdb.url, logA.logger);
    const b = signals(pgdb.url, logB.logger);
    let wokeA = 0;
    let wokeB = 0;
    // The end marker goes on the other channel: on the outbox channel it would wake A and B
    // themselves (a foreign payload), and whether it did before the assertions was a race.
    let markedA = 0;
    let markedB = 0;
    try {
      await a.subscribe('outbox', () => wokeA++);
      await b.subscribe('outbox', () => wokeB++);
      await a.subscribe('webhooks', () => markedA++);
      await b.subscribe('webhooks', () => markedB++);
      await listening(logA);
      await listening(logB);
      wokeA = wokeB = markedA = markedB = 0;
      seen.length = 0;
      for (let i = 0; i < 100; i++) a.announce('outbox');
      await expect.poll(() => wokeB, { timeout: 10_000 }).toBe(1);
      // Notifications reach each listener in commit order: once a listener has the marker,
      // everything A sent before it has reached that listener too, and its count is final.
      await observer.query(`NOTIFY ${WAKE_CHANNELS.webhooks}, 'end'`);
      await expect.poll(() => [markedA, markedB, seen.includes('end')], { timeout: 10_000 }).toEqual([1, 1, true]);
      expect(seen.filter((p) => p !== 'end')).toHaveLength(1);
      expect(wokeA).toBe(0);
      expect(wokeB).toBe(1);
    } finally {
      // Closed even when an assertion failed: a listener left behind would be taken for the next test's.
      await a.close();
      await b.close();
    }
  });

  it('says whether what it announces may be urgent: bulk mail alone arrives as bulk, one urgent message among it makes it urgent', async () => {
    const logB = capturingLogger();
    const a = signals(null);
    const b = signals(pgdb.url, logB.logger);
    const woken: boolean[] = [];
    try {
      await b.subscribe('outbox', (urgent) => woken.push(urgent));
      await listening(logB);
      woken.length = 0;
      for (let i = 0; i < 10; i++) a.announce('outbox', false);
      await expect.poll(() => woken, { timeout: 10_000 }).toEqual([false]);
      for (let i = 0; i < 10; i++) a.announce('outbox', i === 5);
      await expect.poll(() => woken, { timeout: 10_000 }).toEqual([false, true]);
      // What it announces without saying (a retried message, a process that predates the flag) may be urgent.
      a.announce('outbox');
      await expect.poll(() => woken, { timeout: 10_000 }).toEqual([false, true, true]);
      await observer.query(`select pg_notify($1, 'an-older-process')`, [WAKE_CHANNELS.outbox]);
      await expect.poll(() => woken, { timeout: 10_000 }).toEqual([false, true, true, true]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('announces every kind of one turn in one statement, and each reaches its subscribers', async () => {
    const logA = capturingLogger();
    const logB = capturingLogger();
    // A announces only (like `mailroom start --no-workers`); B listens on both channels.
    const a = signals(null, logA.logger);
    const b = signals(pgdb.url, logB.logger);
    let outbox = 0;
    let webhooks = 0;
    try {
      await b.subscribe('outbox', () => outbox++);
      await b.subscribe('webhooks', () => webhooks++);
      await listening(logB);
      outbox = webhooks = 0;
      sent.length = 0;
      for (let i = 0; i < 10; i++) {
        a.announce('outbox');
        a.announce('webhooks');
      }
      await expect.poll(() => [outbox, webhooks], { timeout: 10_000 }).toEqual([1, 1]);
      expect(sent).toEqual([[WAKE_CHANNELS.outbox, WAKE_CHANNELS.webhooks]]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it(`bulk mail alone is announced at most once per ${BULK_NOTIFY_MIN_GAP_MS} ms; urgent mail still goes within ${NOTIFY_MIN_GAP_MS} ms`, async () => {
    const logB = capturingLogger();
    const a = signals(null);
    const b = signals(pgdb.url, logB.logger);
    try {
      await b.subscribe('outbox', () => undefined);
      await listening(logB);
      sent.length = sentAt.length = 0;
      // Bulk mail accepted every event-loop turn for ~450 ms (a busy API, nothing urgent).
      const start = performance.now();
      while (performance.now() - start < 450) {
        a.announce('outbox', false);
        await new Promise((r) => setTimeout(r, 2));
      }
      await new Promise((r) => setTimeout(r, BULK_NOTIFY_MIN_GAP_MS + 50));
      const bulk = sentAt.length;
      expect(bulk).toBeGreaterThanOrEqual(2);
      expect(bulk).toBeLessThanOrEqual(Math.ceil(450 / BULK_NOTIFY_MIN_GAP_MS) + 1);
      for (let i = 1; i < bulk; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(BULK_NOTIFY_MIN_GAP_MS - 1);
      // Bulk mail right after a NOTIFY, then a sign-in code: the code does not wait out the bulk gap.
      a.announce('outbox', false);
      await expect.poll(() => sentAt.length, { timeout: 2_000 }).toBe(bulk + 1);
      await new Promise((r) => setTimeout(r, 5));
      a.announce('outbox', true);
      a.announce('outbox', false);
      await expect.poll(() => sentAt.length, { timeout: 2_000 }).toBe(bulk + 2);
      const gap = sentAt[bulk + 1]! - sentAt[bulk]!;
      expect(gap).toBeGreaterThanOrEqual(NOTIFY_MIN_GAP_MS - 1);
      expect(gap).toBeLessThan(BULK_NOTIFY_MIN_GAP_MS - 20);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it(`under sustained announcements sends at most one NOTIFY per ${NOTIFY_MIN_GAP_MS} ms, and the last announcement still goes out`, async () => {
    const logB = capturingLogger();
    const a = signals(null);
    const b = signals(pgdb.url, logB.logger);
    let woke = 0;
    try {
      await b.subscribe('outbox', () => woke++);
      await listening(logB);
      woke = 0;
      sent.length = sentAt.length = 0;
      // One announcement per event-loop turn (a commit batch each), for ~200 ms.
      const start = performance.now();
      let turns = 0;
      let lastAnnounced = 0;
      while (performance.now() - start < 200) {
        a.announce('outbox');
        lastAnnounced = performance.now();
        turns++;
        await new Promise((r) => setTimeout(r, 2));
      }
      await expect.poll(async () => {
        const before = sent.length;
        await new Promise((r) => setTimeout(r, 3 * NOTIFY_MIN_GAP_MS));
        return before === sent.length && woke === sent.length;
      }, { timeout: 10_000 }).toBe(true);
      expect(turns).toBeGreaterThan(20);
      // Merged, not one per turn (the documented 25 ms: at most ~9 in 200 ms, where ~70–100 turns
      // announced); the first went at once, so there are at least two.
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(sent.length).toBeLessThanOrEqual(Math.ceil((performance.now() - start) / 25) + 1);
      expect(sent.length * 4).toBeLessThanOrEqual(turns);
      // A delay elsewhere can only widen the gaps, never narrow them.
      for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(NOTIFY_MIN_GAP_MS - 1);
      // The last turn's announcement was not lost in a merge: a NOTIFY went out after it.
      expect(sentAt[sentAt.length - 1]).toBeGreaterThanOrEqual(lastAnnounced);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('listens again after its connection is terminated, wakes once for what it may have missed, and warns once', async () => {
    const log = capturingLogger();
    const b = signals(pgdb.url, log.logger);
    const a = signals(null);
    let woke = 0;
    await b.subscribe('outbox', () => woke++);
    await listening(log);
    const refusedAtFirst = log.warnings().length;
    woke = 0;
    const [before] = await listenerPids();
    expect(before).toBeGreaterThan(0);
    await observer.query('select pg_terminate_backend($1)', [before]);
    // Back: a new backend listens, and the subscriber was woken once without any NOTIFY.
    await expect.poll(async () => (await listenerPids()).filter((pid) => pid !== before).length, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => woke, { timeout: 10_000 }).toBe(1);
    a.announce('outbox');
    await expect.poll(() => woke, { timeout: 10_000 }).toBe(2);
    expect(log.warnings().filter((m) => m.includes('LISTEN connection to PostgreSQL is gone'))).toHaveLength(1);
    expect(log.infos().filter((m) => m.includes('LISTEN connection to PostgreSQL is back'))).toHaveLength(1 + refusedAtFirst);
    await b.close();
    await a.close();
  });

  it('keeps retrying with one warning through an outage, and never crashes', async () => {
    const gate = await startGate(Number(new URL(pgdb.url).port || 5432));
    const through = new URL(pgdb.url);
    through.host = `127.0.0.1:${gate.port}`;
    const log = capturingLogger();
    const b = signals(through.toString(), log.logger);
    const a = signals(null);
    let woke = 0;
    await b.subscribe('outbox', () => woke++);
    await listening(log);
    const before = log.warnings().length;
    woke = 0;
    gate.refuse();
    // Several reconnects turned away: still one warning, nobody woken, the process alive.
    await expect.poll(() => gate.refused(), { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    expect(log.warnings()).toHaveLength(before + 1);
    expect(woke).toBe(0);
    gate.admit();
    await expect.poll(() => woke, { timeout: 20_000 }).toBe(1);
    a.announce('outbox');
    await expect.poll(() => woke, { timeout: 10_000 }).toBe(2);
    expect(log.warnings()).toHaveLength(before + 1);
    await b.close();
    await a.close();
    await gate.close();
  });

  it('does not hold a start up when it cannot listen at all', async () => {
    const log = capturingLogger();
    const nowhere = new URL(pgdb.url);
    nowhere.host = '127.0.0.1:1';
    const b = signals(nowhere.toString(), log.logger);
    const unsubscribe = await b.subscribe('outbox', () => undefined);
    expect(typeof unsubscribe).toBe('function');
    expect(log.warnings()).toHaveLength(1);
    await b.close();
  });

  it('sends what was announced when it closes right after (a one-shot `mailroom send`)', async () => {
    const log = capturingLogger();
    const server = signals(pgdb.url, log.logger);
    let woke = 0;
    await server.subscribe('outbox', () => woke++);
    await listening(log);
    woke = 0;
    seen.length = 0;
    try {
      const a = signals(null);
      a.announce('outbox');
      await a.close();
      // On the other channel: on the outbox channel the marker would wake the server too.
      await observer.query(`NOTIFY ${WAKE_CHANNELS.webhooks}, 'end'`);
      await expect.poll(() => seen.includes('end'), { timeout: 10_000 }).toBe(true);
      expect(seen.filter((p) => p !== 'end')).toHaveLength(1);
      await expect.poll(() => woke, { timeout: 10_000 }).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('sends no NOTIFY while no other process listens, and announces again once one does', async () => {
    const logA = capturingLogger();
    const logB = capturingLogger();
    const a = signals(pgdb.url, logA.logger);
    let markedA = 0;
    // A listens itself: its own listener is not someone to tell.
    await a.subscribe('outbox', () => undefined);
    await a.subscribe('webhooks', () => markedA++);
    await listening(logA);
    sent.length = 0;
    const before = lookups;
    for (let i = 0; i < 10; i++) a.announce('outbox');
    await expect.poll(() => lookups, { timeout: 10_000 }).toBe(before + 1);
    // The turn that looked up the listeners has ended: it sent nothing.
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([]);

    // Another process starts listening: A's next announcement reaches it.
    const b = signals(pgdb.url, logB.logger);
    let wokeB = 0;
    await b.subscribe('outbox', () => wokeB++);
    await listening(logB);
    wokeB = markedA = 0;
    // B said on the presence channel that it listens; notices reach A in commit order, so once
    // A has this marker it has B's notice too (else A's belief would end within a second anyway).
    await observer.query(`NOTIFY ${WAKE_CHANNELS.webhooks}, 'end'`);
    await expect.poll(() => markedA, { timeout: 10_000 }).toBe(1);
    a.announce('outbox');
    await expect.poll(() => wokeB, { timeout: 10_000 }).toBe(1);
    expect(sent).toEqual([[WAKE_CHANNELS.outbox]]);
    await b.close();
    await a.close();
  });
});
