import type { ImapFlow } from 'imapflow';
import type { CoreContext } from '../core/context.js';
import { isStoreUnavailable } from '../core/kernel/errors.js';
import { receiveMessage, type MailboxPosition, type Received } from '../core/inbound/receive.service.js';
import type { StoredAccount } from '../core/senders/ports.js';
import type { Logger } from '../logger.js';
import { imapClient } from './imap-client.js';
import { fallbackMessageId, parseMail } from './parse-mail.js';

export interface ReaderTuning {
  /** How long a reader's lease on a folder lasts; renewed at every wake-up (at least every pollMs). */
  leaseMs: number;
  /** A sync at least this often, IDLE or not (the polling fallback, and a check that the connection lives). */
  pollMs: number;
  /** Messages larger than this are stored with their headers only. */
  maxBodyBytes: number;
  /** Bytes fetched per round (the messages of one round are held in memory). */
  batchBytes: number;
  /** Backoff after a failure: base × 2^(failures-1), at most max. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  timeoutMs: number;
}

export const DEFAULT_READER_TUNING: ReaderTuning = {
  leaseMs: 120_000,
  pollMs: 60_000,
  maxBodyBytes: 10 * 1024 * 1024,
  batchBytes: 20 * 1024 * 1024,
  backoffBaseMs: 5_000,
  backoffMaxMs: 15 * 60_000,
  timeoutMs: 30_000,
};

/** The bytes of a quarantined message kept for "view source". */
const QUARANTINE_KEEP_BYTES = 1024 * 1024;

export interface ReaderDeps {
  ctx: CoreContext;
  logger: Logger;
  /** This process's name on the lease. */
  owner: string;
  /** The password, or an OAuth2 account's access token; `fresh` bypasses the caches (the server refused the last one). */
  password(account: StoredAccount, opts?: { fresh?: boolean }): Promise<string | undefined>;
  tuning: ReaderTuning;
}

class LeaseLostError extends Error {}

/**
 * Reads one folder of one account, for as long as it runs: takes the folder's lease in the
 * database (one reader per mailbox across processes), connects with a fresh client, stores
 * every message past the durable cursor (UIDVALIDITY + last UID) one commit each, then waits
 * for IDLE to report new mail or the poll interval to pass. Any failure (connection, login,
 * store) ends the client; the next try comes after a growing backoff, visible in the UI.
 * Nothing is ever deleted; `flag` and `move` are the only changes made to the mailbox.
 */
export class MailboxReader {
  private stopped = false;
  private client: ImapFlow | undefined;
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly deps: ReaderDeps,
    readonly accountId: string,
    readonly folder: string,
  ) {}

  start(): void {
    this.running ??= this.loop().catch((err) => this.deps.logger.error({ err, accountId: this.accountId, folder: this.folder }, 'the IMAP reader stopped unexpectedly'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    this.client?.close();
    await this.running;
  }

  /** Ends the current client; its late events (close, exists) no longer wake the reader. */
  private drop(): void {
    const client = this.client;
    this.client = undefined;
    client?.close();
  }

  private get repos() {
    return this.deps.ctx.store.repos;
  }

  private now(): number {
    return this.deps.ctx.clock.now();
  }

  private async loop(): Promise<void> {
    const { tuning } = this.deps;
    while (!this.stopped) {
      const account = await this.repos.accounts.get(this.accountId).catch(() => undefined);
      const server = account ? await this.repos.servers.get(account.serverId).catch(() => undefined) : undefined;
      if (!account || !server?.imap || !account.inbound?.enabled || !account.inbound.folders.includes(this.folder)) break;
      let held = false;
      try {
        held = await this.repos.mailboxes.acquire(this.accountId, this.folder, this.deps.owner, this.now(), this.now() + tuning.leaseMs);
      } catch (err) {
        this.deps.logger.warn({ err, accountId: this.accountId }, 'the IMAP reader could not take its lease; trying again');
      }
      if (!held) {
        await this.sleep(Math.min(tuning.pollMs, tuning.leaseMs / 2));
        continue;
      }
      try {
        await this.session(account, server);
      } catch (err) {
        this.drop();
        if (this.stopped) break;
        this.failures += 1;
        const delay = Math.min(tuning.backoffBaseMs * 2 ** (this.failures - 1), tuning.backoffMaxMs);
        const message = errorText(err);
        this.deps.logger.warn({ accountId: this.accountId, folder: this.folder, failures: this.failures, retryInMs: delay, error: message }, 'IMAP reading failed; trying again after a pause');
        await this.report({ state: 'failing', lastError: message, failures: this.failures, nextAttemptAt: this.now() + delay });
        if (err instanceof LeaseLostError) continue;
        await this.sleep(delay);
      } finally {
        this.drop();
      }
    }
    await this.repos.mailboxes.release(this.accountId, this.folder, this.deps.owner).catch(() => undefined);
  }

  /**
   * A connected, logged-in client, the current one. An OAuth2 account's access token the server
   * refuses (revoked, or replaced at the provider) is fetched anew once and the login tried again
   * on a new connection before the session counts as failed, as SMTP does after a 535.
   */
  private async connect(account: StoredAccount, server: NonNullable<Awaited<ReturnType<CoreContext['store']['repos']['servers']['get']>>>): Promise<{ client: ImapFlow; closed: () => boolean }> {
    const open = async (fresh: boolean) => {
      const { tuning } = this.deps;
      const client = await imapClient(server, account, await this.deps.password(account, { fresh }), { timeoutMs: tuning.timeoutMs, maxIdleMs: Math.max(tuning.pollMs, 60_000) });
      this.client = client;
      let closed = false;
      client.on('error', (err: Error) => this.deps.logger.debug({ err: errorText(err), accountId: this.accountId }, 'IMAP connection error'));
      // Only the current client may wake the reader: a dead one's close must not cut a backoff short.
      client.on('close', () => {
        closed = true;
        if (this.client === client) this.wakeUp?.();
      });
      client.on('exists', () => {
        if (this.client === client) this.wakeUp?.();
      });
      await client.connect();
      return { client, closed: () => closed };
    };
    try {
      return await open(false);
    } catch (err) {
      if (account.auth.type !== 'oauth2' || !isLoginRefused(err) || this.stopped) throw err;
      this.deps.logger.info({ accountId: this.accountId, folder: this.folder, error: errorText(err) }, 'the IMAP server refused the OAuth2 access token; fetching a new one and logging in again');
      this.drop();
      try {
        return await open(true);
      } catch (again) {
        if (!isLoginRefused(again)) throw again;
        const hint = 'the mailbox must allow IMAP, and the app needs IMAP permission on it (Microsoft: IMAP.AccessAsUser.All delegated, or IMAP.AccessAsApp with Add-MailboxPermission; Google: the https://mail.google.com/ scope)';
        throw new Error(`the IMAP server refused the OAuth2 login as ${account.login ?? account.address} with a fresh token: ${errorText(again)} (${hint})`, { cause: again });
      }
    }
  }

  /** One connection: sync, then wait for news (IDLE's EXISTS or the poll timer), until it fails or stops. */
  private async session(account: StoredAccount, server: NonNullable<Awaited<ReturnType<CoreContext['store']['repos']['servers']['get']>>>): Promise<void> {
    const { tuning } = this.deps;
    const { client, closed: isClosed } = await this.connect(account, server);
    const lock = await client.getMailboxLock(this.folder);
    try {
      while (!this.stopped) {
        await this.sync(client, account);
        this.failures = 0;
        await this.report({ state: 'watching', lastError: null, failures: 0, nextAttemptAt: null, lastSyncAt: this.now() });
        // IDLE while waiting. The session holds the folder's lock throughout, and imapflow's
        // auto-IDLE never starts while a lock is held: without this call new mail waited for
        // the poll. The server's EXISTS wakes the reader; the next command (sync's NOOP) ends
        // IDLE; a server without IDLE gets imapflow's NOOP polling instead.
        client.idle().catch((err: unknown) => this.deps.logger.debug({ err: errorText(err), accountId: this.accountId }, 'IMAP IDLE ended with an error'));
        await this.sleep(tuning.pollMs);
        if (this.stopped) break;
        if (isClosed() || !client.usable) throw new Error('the IMAP connection was closed by the server');
        if (!(await this.repos.mailboxes.acquire(this.accountId, this.folder, this.deps.owner, this.now(), this.now() + tuning.leaseMs))) throw new LeaseLostError('another process holds this mailbox now');
      }
    } finally {
      lock.release();
      if (!isClosed()) await client.logout().catch(() => undefined);
    }
  }

  /** Everything past the cursor, in UID order, one commit per message (with the cursor). */
  private async sync(client: ImapFlow, account: StoredAccount): Promise<void> {
    // NOOP: the server reports what arrived (EXISTS) even where IDLE died silently, and a dead
    // connection fails here instead of waiting forever.
    await client.noop();
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error(`folder "${this.folder}" is not open`);
    const uidValidity = String(mailbox.uidValidity);
    const state = await this.repos.mailboxes.get(this.accountId, this.folder);
    // A new UIDVALIDITY invalidates every UID: read the folder again; the Message-IDs already stored are skipped.
    const from = state && state.uidValidity === uidValidity ? state.lastUid + 1 : 1;
    if (state && state.uidValidity !== null && state.uidValidity !== uidValidity) {
      this.deps.logger.warn({ accountId: this.accountId, folder: this.folder, before: state.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: reading the folder again (messages stored before are not stored twice)');
    }
    if (!mailbox.exists) return;
    const sizes = new Map<number, number>();
    for await (const m of client.fetch(`${from}:*`, { uid: true, size: true }, { uid: true })) if (m.uid >= from) sizes.set(m.uid, m.size ?? 0);
    const uids = [...sizes.keys()].sort((a, b) => a - b);
    if (uids.length) await this.report({ state: 'syncing', lastError: null, failures: this.failures, nextAttemptAt: null });
    for (const batch of batches(uids, sizes, this.deps.tuning.batchBytes)) {
      if (this.stopped) return;
      const fetched = await this.fetchBatch(client, batch, sizes);
      for (const uid of batch) {
        if (this.stopped) return;
        const got = fetched.get(uid);
        if (!got) continue; // expunged meanwhile: nothing to store
        const outcome = await this.store(this.position(uidValidity, uid), got, sizes.get(uid) ?? got.bytes.length);
        if (outcome.leaseLost) throw new LeaseLostError('another process took this mailbox over');
      }
      await this.afterProcessing(client, account, batch.filter((u) => fetched.has(u)));
    }
  }

  private async fetchBatch(client: ImapFlow, batch: number[], sizes: Map<number, number>): Promise<Map<number, { bytes: Buffer; headersOnly: boolean }>> {
    const cap = this.deps.tuning.maxBodyBytes;
    const whole = batch.filter((u) => (sizes.get(u) ?? 0) <= cap);
    const large = batch.filter((u) => (sizes.get(u) ?? 0) > cap);
    const out = new Map<number, { bytes: Buffer; headersOnly: boolean }>();
    if (whole.length) for await (const m of client.fetch(whole.join(','), { uid: true, source: true }, { uid: true })) if (m.source) out.set(m.uid, { bytes: m.source, headersOnly: false });
    // Headers first: a message above the body limit is stored with its headers only.
    if (large.length) for await (const m of client.fetch(large.join(','), { uid: true, headers: true }, { uid: true })) if (m.headers) out.set(m.uid, { bytes: Buffer.concat([m.headers, Buffer.from('\r\n')]), headersOnly: true });
    return out;
  }

  /**
   * Stores a message; one that fails for any reason but the store being away is quarantined
   * instead, so a message that trips a bug cannot hold the folder back on every retry.
   */
  private async store(at: MailboxPosition, got: { bytes: Buffer; headersOnly: boolean }, size: number) {
    const received = await this.read(got, size);
    try {
      return await receiveMessage(this.deps.ctx, at, received);
    } catch (err) {
      if (isStoreUnavailable(err) || !('mail' in received)) throw err;
      this.deps.logger.error({ err, accountId: this.accountId, folder: this.folder, uid: at.uid }, 'a message could not be stored: quarantined, reading goes on');
      return receiveMessage(this.deps.ctx, at, { unparseable: `could not be stored: ${errorText(err)}`, raw: got.bytes.subarray(0, QUARANTINE_KEEP_BYTES), sizeBytes: size, fallbackId: received.fallbackId });
    }
  }

  /** Parsed, or quarantined with the reason: one unreadable message never stops the folder. */
  private async read(got: { bytes: Buffer; headersOnly: boolean }, size: number): Promise<Received> {
    const fallbackId = fallbackMessageId(got.bytes);
    try {
      return { mail: await parseMail(got.bytes, size, got.headersOnly), fallbackId };
    } catch (err) {
      if (isStoreUnavailable(err)) throw err;
      this.deps.logger.warn({ accountId: this.accountId, folder: this.folder, error: errorText(err) }, 'a message could not be read: quarantined, reading goes on');
      return { unparseable: errorText(err), raw: got.bytes.subarray(0, QUARANTINE_KEEP_BYTES), sizeBytes: size, fallbackId };
    }
  }

  private async afterProcessing(client: ImapFlow, account: StoredAccount, uids: number[]): Promise<void> {
    const inbound = account.inbound;
    if (!uids.length || !inbound || inbound.afterProcessing === 'none') return;
    const range = uids.join(',');
    if (inbound.afterProcessing === 'flag') await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
    else if (inbound.afterProcessing === 'move' && inbound.moveTo) await client.messageMove(range, inbound.moveTo, { uid: true });
  }

  private position(uidValidity: string, uid: number): MailboxPosition {
    return { accountId: this.accountId, folder: this.folder, owner: this.deps.owner, uidValidity, uid };
  }

  private async report(patch: { state: 'idle' | 'syncing' | 'watching' | 'failing'; lastError: string | null; failures: number; nextAttemptAt: number | null; lastSyncAt?: number }): Promise<void> {
    await this.repos.mailboxes.report(this.accountId, this.folder, patch, this.now()).catch((err) => this.deps.logger.warn({ err }, 'the IMAP reader could not record its state'));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

/** UIDs in order, cut into rounds of at most `maxBytes` (a larger message gets a round alone). */
function batches(uids: number[], sizes: Map<number, number>, maxBytes: number): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let bytes = 0;
  for (const uid of uids) {
    const size = sizes.get(uid) ?? 0;
    if (cur.length && (bytes + size > maxBytes || cur.length >= 500)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(uid);
    bytes += size;
  }
  if (cur.length) out.push(cur);
  return out;
}

/** The server refused the credentials (a tagged NO to LOGIN/AUTHENTICATE), not a network failure. */
function isLoginRefused(err: unknown): boolean {
  return (err as { authenticationFailed?: boolean } | undefined)?.authenticationFailed === true;
}

function errorText(err: unknown): string {
  const e = err as { responseText?: string; message?: string; code?: string };
  return (e?.responseText || e?.message || String(err)).slice(0, 500);
}
