import type { ImapFlow, SearchObject } from 'imapflow';
import { secretRedactor, type SecretValue } from '../core/kernel/redact-secrets.js';
import { effectiveLogin } from '../core/senders/accounts.js';
import type { CoreContext } from '../core/context.js';
import { isStoreUnavailable } from '../core/kernel/errors.js';
import type { MailboxState } from '../core/inbound/ports.js';
import { messageIdTakenLine, receiveMessage, type MailboxPosition, type Received } from '../core/inbound/receive.service.js';
import { resyncCutoff } from '../core/inbound/resync.js';
import { movesIntoItself } from '../core/senders/inbound-settings.js';
import type { StoredAccount } from '../core/senders/ports.js';
import type { Logger } from '../logger.js';
import { CLOSED_BY_SERVER, connectionClosedText, ImapConnectionClosedError } from './connection-closed.js';
import { imapClient } from './imap-client.js';
import { fallbackMessageId, parseMail } from './parse-mail.js';

export interface ReaderTuning {
  /** How long a reader's lease on a folder lasts; renewed at every wake-up (at least every pollMs) and during a long sync. */
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

/** How much of a report larger than the body limit is read: its report parts come first. */
const REPORT_PREFIX_BYTES = 1024 * 1024;

/** The bytes of a quarantined message kept for "view source". */
const QUARANTINE_KEEP_BYTES = 1024 * 1024;

/**
 * How long a stop waits for the reader to finish the message in hand and mark or move what it
 * stored, before it cuts the connection (the next start does what is left, see settleStored).
 * A container runtime's stop timeout (docker: 10 s) must not be reached.
 */
const STOP_GRACE_MS = 2_000;

/** UIDs per STORE or MOVE: a catch-up may find thousands, and a server limits its command line. */
const UIDS_PER_COMMAND = 500;

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

/** The folder this session holds was replaced on the server: the next session opens it anew. */
class FolderReplacedError extends Error {}

/**
 * Reads one folder of one account, for as long as it runs: takes the folder's lease in the
 * database (one reader per mailbox across processes), connects with a fresh client, stores
 * every message past the durable cursor (UIDVALIDITY + last UID) one commit each, then waits
 * for IDLE to report new mail or the poll interval to pass. Any failure (connection, login,
 * store) ends the client; the next try comes after a growing backoff, visible in the UI.
 * Nothing is ever deleted; `flag` and `move` are the only changes made to the mailbox.
 */
export class MailboxReader {
  /** Aborted by stop(): ends the current wait and every later one at once (sleep). */
  private readonly stopping = new AbortController();
  private client: ImapFlow | undefined;
  private wakeUp: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private failures = 0;
  /** The move target was seen to exist on the current connection. */
  private moveTargetChecked = false;
  /**
   * The server announced mail (an untagged EXISTS) since the running sync listed the folder: in
   * the answer to one of its commands (a FETCH, the STORE of its marks) or while it stored. IDLE
   * does not announce it again, so the reader syncs again at once instead of leaving it for the
   * next poll.
   */
  private mailNoticed = false;
  /** What the server said when it last refused a command (imapflow answers a refused STORE or MOVE with false). */
  private lastRefusal: string | undefined;
  /**
   * Hides the credential this reader last logged in with (in clear and as SASL sent it) from the
   * server's words before they are stored, shown or logged: a server may quote the exchange.
   */
  private redactCredential: (text: string) => string = (text) => text;
  /** When this reader last took or renewed its lease. */
  private leaseRenewedAt = 0;

  constructor(
    private readonly deps: ReaderDeps,
    readonly accountId: string,
    readonly folder: string,
  ) {}

  start(): void {
    this.running ??= this.loop().catch((err) => this.deps.logger.error({ err, accountId: this.accountId, folder: this.folder }, 'the IMAP reader stopped unexpectedly'));
  }

  /**
   * Ends the reader within STOP_GRACE_MS: any wait (the poll, IDLE, a backoff) ends at once; a
   * sync finishes the message in hand and marks or moves what it stored, unless that takes
   * longer, when the connection is cut (the next sync does it then).
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    if (this.running && !(await settlesWithin(this.running, STOP_GRACE_MS))) this.client?.close();
    await this.running;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
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
      let account: StoredAccount | undefined;
      let server: Awaited<ReturnType<CoreContext['store']['repos']['servers']['get']>>;
      try {
        account = await this.repos.accounts.get(this.accountId);
        server = account ? await this.repos.servers.get(account.serverId) : undefined;
      } catch (err) {
        // The database did not answer: that says nothing about the account. A reader that ended
        // here would never be started again (the worker only restarts readers whose account
        // changed), so it waits and asks again.
        this.failures += 1;
        const delay = Math.min(tuning.backoffBaseMs * 2 ** (this.failures - 1), tuning.backoffMaxMs);
        this.deps.logger.warn({ accountId: this.accountId, folder: this.folder, failures: this.failures, retryInMs: delay, error: errorText(err) }, 'the IMAP reader could not read its account from the database; trying again after a pause');
        await this.report({ state: 'failing', lastError: `the database did not answer: ${errorText(err)}`, failures: this.failures, nextAttemptAt: this.now() + delay });
        await this.sleep(delay);
        continue;
      }
      if (!account || !server?.imap || !account.inbound?.enabled || !account.inbound.folders.includes(this.folder)) break;
      let held = false;
      try {
        held = await this.repos.mailboxes.acquire(this.accountId, this.folder, this.deps.owner, this.now(), this.now() + tuning.leaseMs);
        if (held) this.leaseRenewedAt = this.now();
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
        if (err instanceof FolderReplacedError) {
          // Nothing failed: the folder is opened again at once, and its new UIDVALIDITY read.
          this.deps.logger.info({ accountId: this.accountId, folder: this.folder, reason: err.message }, 'the IMAP folder was replaced on the server; opening it again');
          continue;
        }
        this.failures += 1;
        const delay = Math.min(tuning.backoffBaseMs * 2 ** (this.failures - 1), tuning.backoffMaxMs);
        const message = this.redactCredential(imapErrorText(err));
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
    // Both tokens of an OAuth2 retry: the refused one may be quoted in the second refusal.
    const sent: SecretValue[] = [];
    const open = async (fresh: boolean) => {
      const { tuning } = this.deps;
      const secret = await this.deps.password(account, { fresh });
      sent.push({ value: secret ?? '', user: effectiveLogin(account) });
      this.redactCredential = secretRedactor(sent);
      const client = await imapClient(server, account, secret, { timeoutMs: tuning.timeoutMs, maxIdleMs: Math.max(tuning.pollMs, 60_000), onCommandError: (text) => (this.lastRefusal = this.redactCredential(text)) });
      this.client = client;
      let closed = false;
      client.on('error', (err: Error) => this.deps.logger.debug({ err: this.redactCredential(errorText(err)), accountId: this.accountId }, 'IMAP connection error'));
      // Only the current client may wake the reader: a dead one's close must not cut a backoff short.
      client.on('close', () => {
        closed = true;
        if (this.client === client) this.wakeUp?.();
      });
      client.on('exists', () => {
        if (this.client !== client) return;
        this.mailNoticed = true;
        this.wakeUp?.();
      });
      await client.connect();
      return { client, closed: () => closed };
    };
    try {
      return await open(false);
    } catch (err) {
      if (account.auth.type !== 'oauth2' && isLoginRefused(err)) {
        throw new Error(`the IMAP server refused the login as ${account.login ?? account.address}: ${this.redactCredential(errorText(err))} (check the account's login and password: Mailroom uses the same ones for SMTP and IMAP)`, { cause: err });
      }
      if (account.auth.type !== 'oauth2' || !isLoginRefused(err) || this.stopped) throw err;
      this.deps.logger.info({ accountId: this.accountId, folder: this.folder, error: this.redactCredential(errorText(err)) }, 'the IMAP server refused the OAuth2 access token; fetching a new one and logging in again');
      this.drop();
      try {
        return await open(true);
      } catch (again) {
        if (!isLoginRefused(again)) throw again;
        const hint = 'the mailbox must allow IMAP, and the app needs IMAP permission on it (Microsoft: IMAP.AccessAsUser.All delegated, or IMAP.AccessAsApp with Add-MailboxPermission; Google: the https://mail.google.com/ scope)';
        throw new Error(`the IMAP server refused the OAuth2 login as ${account.login ?? account.address} with a fresh token: ${this.redactCredential(errorText(again))} (${hint})`, { cause: again });
      }
    }
  }

  /** One connection: sync, then wait for news (IDLE's EXISTS or the poll timer), until it fails or stops. */
  private async session(account: StoredAccount, server: NonNullable<Awaited<ReturnType<CoreContext['store']['repos']['servers']['get']>>>): Promise<void> {
    const { tuning } = this.deps;
    const { client, closed: isClosed } = await this.connect(account, server);
    this.moveTargetChecked = false;
    const lock = await client.getMailboxLock(this.folder).catch(async (err: unknown) => {
      throw new Error(`the folder "${this.folder}" could not be opened: ${imapErrorText(err)}${(await folderMissing(client, this.folder)) ? ' (it does not exist on the IMAP server: create it, or remove it from the folders to read)' : ''}`, { cause: err });
    });
    try {
      while (!this.stopped) {
        await this.sync(client, account);
        // A stop ends the sync early: that is no "watching", and no IDLE nobody would end.
        if (this.stopped) break;
        this.failures = 0;
        await this.report({ state: 'watching', lastError: null, failures: 0, nextAttemptAt: null, lastSyncAt: this.now() });
        // Mail announced during the sync arrived after it listed the folder: sync again now (the
        // check and the wait below run without a pause, so no later EXISTS slips between them).
        if (!this.mailNoticed) {
          // IDLE while waiting. The session holds the folder's lock throughout, and imapflow's
          // auto-IDLE never starts while a lock is held: without this call new mail waited for
          // the poll. The server's EXISTS wakes the reader; the next command (sync's NOOP) ends
          // IDLE; a server without IDLE gets imapflow's NOOP polling instead.
          client.idle().catch((err: unknown) => this.deps.logger.debug({ err: errorText(err), accountId: this.accountId }, 'IMAP IDLE ended with an error'));
          await this.sleep(tuning.pollMs);
        }
        if (this.stopped) break;
        if (isClosed() || !client.usable) throw new ImapConnectionClosedError(CLOSED_BY_SERVER);
        if (!(await this.repos.mailboxes.acquire(this.accountId, this.folder, this.deps.owner, this.now(), this.now() + tuning.leaseMs))) throw new LeaseLostError('another process holds this mailbox now');
        this.leaseRenewedAt = this.now();
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
    // Mail announced up to here is in what this sync lists; an EXISTS from now on asks for another.
    this.mailNoticed = false;
    const mailbox = client.mailbox;
    // A connection that closed meanwhile has no folder open either: say what happened to it
    // (imapflow's NOOP on a closed connection resolves without a word).
    if (!mailbox) throw client.usable ? new Error(`folder "${this.folder}" is not open`) : new ImapConnectionClosedError(CLOSED_BY_SERVER);
    // A folder deleted and created again (restored from a backup, say) while this session held it:
    // the server may go on answering for the folder it had open (Dovecot did, under load, for as
    // long as the session lasted), so its UIDVALIDITY is asked by name too. One STATUS per sync.
    const named = (await client.status(this.folder, { uidValidity: true }).catch(() => undefined)) || undefined;
    if (named?.uidValidity !== undefined && String(named.uidValidity) !== String(mailbox.uidValidity)) {
      throw new FolderReplacedError(`UIDVALIDITY ${String(mailbox.uidValidity)} of the open folder, ${String(named.uidValidity)} by its name`);
    }
    const uidValidity = String(mailbox.uidValidity);
    const state = await this.repos.mailboxes.get(this.accountId, this.folder);
    // A new UIDVALIDITY invalidates every UID: the folder is read again from its first message.
    // The Message-IDs already stored are skipped; mail that arrived before the retention's
    // cut-off is not stored at all (its row may be deleted: resyncCutoff). A first read (no
    // cursor yet) applies the same cut-off: a mailbox holding years of mail would otherwise be
    // stored and acted on (bounces, replies, webhooks) only for the retention to delete it.
    // Until the whole folder has been read, the cursor keeps the old UIDVALIDITY (none, on a
    // first read), so a read that a crash or a failure interrupts starts over with the same rule
    // instead of going on without it. A folder that was empty at its first read has its
    // UIDVALIDITY but nothing read under it (lastUid 0, recordEmptyFolder): the mail it gets
    // first is read as a first read still, as it would have been had it been there at the start.
    const resync = state !== undefined && state.uidValidity !== null && state.uidValidity !== uidValidity;
    const firstRead = state === undefined || state.uidValidity === null || (state.uidValidity === uidValidity && state.lastUid === 0);
    const from = state && state.uidValidity === uidValidity ? state.lastUid + 1 : 1;
    if (resync) {
      this.deps.logger.warn({ accountId: this.accountId, folder: this.folder, before: state.uidValidity, now: uidValidity }, 'UIDVALIDITY changed: reading the folder again (messages stored before are not stored twice, mail older than the retention is not stored)');
    }
    if (!mailbox.exists) return this.recordEmptyFolder(state, uidValidity);
    await this.settleStored(client, account, state && state.uidValidity === uidValidity ? state.lastUid : 0);
    const cutoff = resync || firstRead ? await resyncCutoff(this.deps.ctx) : null;
    // A first read with the log kept forever stores everything, moving the cursor as it goes.
    const wholeFolder = resync || (firstRead && cutoff !== null);
    const sizes = new Map<number, number>();
    const old: number[] = [];
    let last = 0;
    for await (const m of client.fetch(`${from}:*`, { uid: true, size: true, internalDate: cutoff !== null }, { uid: true })) {
      if (m.uid < from) continue;
      last = Math.max(last, m.uid);
      if (cutoff !== null && arrivedBefore(m.internalDate, cutoff)) old.push(m.uid);
      else sizes.set(m.uid, m.size ?? 0);
    }
    const uids = [...sizes.keys()].sort((a, b) => a - b);
    if (uids.length) await this.report({ state: 'syncing', lastError: null, failures: this.failures, nextAttemptAt: null });
    // During a resync each message moves the cursor under the old UIDVALIDITY, during a first
    // read under none (see above).
    const cursorValidity = wholeFolder ? (firstRead ? null : (state?.uidValidity ?? null)) : uidValidity;
    const flag = account.inbound?.afterProcessing === 'flag';
    for (const batch of batches(uids, sizes, this.deps.tuning.batchBytes)) {
      if (this.stopped) return;
      const fetched = await this.fetchBatch(client, batch, sizes);
      // With "flag" the round owes its \Seen from before its first commit until the STORE
      // succeeded: a failure or a crash in between leaves the mark for the catch-up (settleStored).
      if (flag && !(await this.repos.mailboxes.oweSeen(this.accountId, this.folder, this.deps.owner, batch[0]!))) throw new LeaseLostError('another process took this mailbox over');
      // Marked or moved even after a stop cut the round short: what was stored is done with
      // now, while the connection is still there, rather than at the next start.
      await this.afterProcessing(client, account, await this.storeBatch(batch, fetched, sizes, cursorValidity));
      if (flag) await this.settleSeen();
    }
    if (!wholeFolder || this.stopped) return;
    // The old mail is done with as the rest is (docs/inbound.md): on a resync it was stored once
    // already; on a first read the cursor passes it and it is never looked at again, and with
    // "move" the folder only holds mail not yet looked at (left there it would be moved at the
    // next connection anyway, as mail the cursor has passed).
    await this.afterProcessing(client, account, old);
    if (!(await this.repos.mailboxes.advance(this.accountId, this.folder, this.deps.owner, { uidValidity, uid: last, stored: 0, quarantined: 0 }, this.now()))) {
      throw new LeaseLostError('another process took this mailbox over');
    }
    if (!old.length) return;
    const said = resync ? 'the folder was read again: mail that arrived before the retention cut-off was not stored again' : 'first read of the folder: mail that arrived before the retention cut-off was not stored';
    this.deps.logger.info({ accountId: this.accountId, folder: this.folder, skipped: old.length, arrivedBefore: new Date(cutoff!).toISOString() }, said);
  }

  /**
   * Stores a fetched round in UID order, one commit each; a stop ends it after the message in
   * hand. The UIDs read (stored now, quarantined, or stored before), to be marked or moved.
   */
  private async storeBatch(batch: number[], fetched: Map<number, { bytes: Buffer; headersOnly: boolean }>, sizes: Map<number, number>, cursorValidity: string | null): Promise<number[]> {
    const read: number[] = [];
    for (const uid of batch) {
      if (this.stopped) break;
      const got = fetched.get(uid);
      if (!got) continue; // expunged meanwhile: nothing to store
      await this.renewLease();
      const outcome = await this.store(this.position(cursorValidity, uid), got, sizes.get(uid) ?? got.bytes.length);
      if (outcome.leaseLost) throw new LeaseLostError('another process took this mailbox over');
      if (outcome.messageIdTaken) {
        const line = messageIdTakenLine(outcome.messageIdTaken);
        this.deps.logger[line.level]({ accountId: this.accountId, folder: this.folder, uid, ...outcome.messageIdTaken }, line.text);
      }
      read.push(uid);
    }
    return read;
  }

  /**
   * Mail the cursor passed but that is not done with yet (the process stopped or died between
   * the commit and the STORE or MOVE, or the server refused it): done now, at the start of a sync.
   * With "move" the folder only holds mail not yet stored, so whatever is left at or below the
   * cursor is moved, at every sync. With "flag" only the \Seen the reader owes (oweSeen, recorded
   * in the database): the stored messages from the first one it never confirmed marking on that
   * are still unread. Mail it marked before is left as it is, also when a person marked it unread
   * again in their mail client since; so is mail stored under "none".
   */
  private async settleStored(client: ImapFlow, account: StoredAccount, lastStoredUid: number): Promise<void> {
    const inbound = account.inbound;
    if (inbound?.afterProcessing === 'move' && inbound.moveTo) {
      if (!this.moveTargetChecked) await this.ensureMoveTarget(client, inbound.moveTo);
      this.moveTargetChecked = true;
      if (lastStoredUid > 0) await this.afterProcessing(client, account, await this.searchUids(client, { uid: `1:${lastStoredUid}` }, 'left after storing'));
    }
    const owedFrom = await this.repos.mailboxes.seenOwedFrom(this.accountId, this.folder);
    if (owedFrom === undefined) return;
    // On a first read or a new UIDVALIDITY (lastStoredUid 0) the owed UIDs are not this folder's
    // any more, or the read marks them again itself: it marks every message it passes.
    if (inbound?.afterProcessing === 'flag' && lastStoredUid >= owedFrom) {
      const unread = await this.searchUids(client, { uid: `${owedFrom}:${lastStoredUid}`, seen: false }, 'stored but not marked \\Seen');
      if (unread.length) this.deps.logger.info({ accountId: this.accountId, folder: this.folder, count: unread.length }, 'marking stored messages \\Seen that an interrupted sync left unread');
      await this.afterProcessing(client, account, unread);
    }
    // Marked now; or reading no longer marks (the account's afterProcessing changed since): a
    // later switch back to "flag" must not mark what was stored meanwhile.
    await this.settleSeen();
  }

  /** The \Seen owed is done with (see oweSeen). */
  private async settleSeen(): Promise<void> {
    if (!(await this.repos.mailboxes.seenSettled(this.accountId, this.folder, this.deps.owner))) throw new LeaseLostError('another process took this mailbox over');
  }

  /** UIDs the server finds; a search it refuses fails the sync (a catch-up that silently did nothing would never be retried). */
  private async searchUids(client: ImapFlow, query: SearchObject, what: string): Promise<number[]> {
    this.lastRefusal = undefined;
    const found = await client.search(query, { uid: true });
    if (!found) throw new Error(`the IMAP server refused to search "${this.folder}" for messages ${what}${this.refusalText()}`);
    return found.sort((a, b) => a - b);
  }

  /**
   * An empty folder is read whole at once: a first read (or a new UIDVALIDITY) of one records
   * the UIDVALIDITY with nothing read under it (lastUid 0), as a read of a full folder records it
   * once it is done, so the status does not show `uidValidity: null` for good. (The mail the
   * folder gets first is still read as a first read: see sync.)
   */
  private async recordEmptyFolder(state: MailboxState | undefined, uidValidity: string): Promise<void> {
    if (state?.uidValidity === uidValidity) return;
    if (!(await this.repos.mailboxes.advance(this.accountId, this.folder, this.deps.owner, { uidValidity, uid: 0, stored: 0, quarantined: 0 }, this.now()))) {
      throw new LeaseLostError('another process took this mailbox over');
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
    // Except a report (a DSN returning a large message whole, an abuse report) or a plain-text
    // bounce (X-Failed-Recipients, as Exim's): its beginning holds what it says (the
    // delivery-status part or the notice, and the returned message's headers), and a bounce
    // read from the headers alone would be missed.
    const reports = large.filter((u) => isReport(out.get(u)?.bytes));
    if (reports.length) for await (const m of client.fetch(reports.join(','), { uid: true, source: { start: 0, maxLength: REPORT_PREFIX_BYTES } }, { uid: true })) if (m.source) out.set(m.uid, { bytes: m.source, headersOnly: true });
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
      // A store that is away, or a transaction that lost a race it may win next time (a
      // deadlock with the delivery worker updating the same recipients, a serialization
      // failure), is no fault of the message: the session fails and the message is read again
      // after the pause, never quarantined for it.
      if (isStoreUnavailable(err) || isTransientStoreError(err) || !('mail' in received)) throw err;
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
    for (let i = 0; i < uids.length; i += UIDS_PER_COMMAND) {
      const range = uidSet(uids.slice(i, i + UIDS_PER_COMMAND));
      // imapflow answers a refused STORE or MOVE with false, not an error: the reader must say so.
      this.lastRefusal = undefined;
      if (inbound.afterProcessing === 'flag') {
        if ((await client.messageFlagsAdd(range, ['\\Seen'], { uid: true })) === false) throw new Error(`the IMAP server refused to mark stored messages \\Seen in "${this.folder}"${this.refusalText()}; they are marked at the next sync`);
      } else if (inbound.afterProcessing === 'move' && inbound.moveTo) {
        if ((await client.messageMove(range, inbound.moveTo, { uid: true })) === false) {
          const said = this.refusalText();
          const missing = await folderMissing(client, inbound.moveTo);
          throw new Error(`the IMAP server refused to move stored messages to "${inbound.moveTo}"${said}${missing ? ': that folder does not exist (create it, or change what happens after storing a message)' : ''}; they are moved at the next sync`);
        }
      }
    }
  }

  /** The server's words for the command it just refused, as a suffix; empty when it gave none (or the connection ended). */
  private refusalText(): string {
    return this.lastRefusal ? ` (the server said: ${this.lastRefusal.slice(0, 300)})` : '';
  }

  /**
   * Renews the folder's lease during a long sync (a first sync of thousands of messages takes
   * minutes): without it the lease ran out mid-sync, another process took the folder over and
   * this one failed on its next commit. Renewed once a third of the lease has passed.
   */
  private async renewLease(): Promise<void> {
    const { leaseMs } = this.deps.tuning;
    if (this.now() - this.leaseRenewedAt < leaseMs / 3) return;
    if (!(await this.repos.mailboxes.acquire(this.accountId, this.folder, this.deps.owner, this.now(), this.now() + leaseMs))) throw new LeaseLostError('another process took this mailbox over');
    this.leaseRenewedAt = this.now();
  }

  /** A move target that does not exist fails the sync before anything is stored, with the folder named. */
  private async ensureMoveTarget(client: ImapFlow, moveTo: string): Promise<void> {
    // Settings saved before "inbox" was spelled INBOX: a move into the folder read gives each
    // message a new UID there, and the next sync would fetch it and move it again, forever.
    if (movesIntoItself(this.folder, moveTo)) throw new Error(`stored messages would be moved to "${moveTo}", which is the folder "${this.folder}" itself: change what happens after storing a message (afterProcessing, moveTo); nothing is read until then`);
    if (await folderMissing(client, moveTo)) throw new Error(`the folder "${moveTo}" to move stored messages to does not exist on the IMAP server: create it, or change what happens after storing a message (afterProcessing, moveTo); nothing is read until then`);
  }

  private position(uidValidity: string | null, uid: number): MailboxPosition {
    return { accountId: this.accountId, folder: this.folder, owner: this.deps.owner, uidValidity, uid };
  }

  private async report(patch: { state: 'idle' | 'syncing' | 'watching' | 'failing'; lastError: string | null; failures: number; nextAttemptAt: number | null; lastSyncAt?: number }): Promise<void> {
    await this.repos.mailboxes.report(this.accountId, this.folder, patch, this.now()).catch((err) => this.deps.logger.warn({ err }, 'the IMAP reader could not record its state'));
  }

  /**
   * Waits `ms`, or until woken (new mail, a closed connection) or stopped. A stop ends this wait
   * and every later one at once: stop() may come while the reader is between two waits (a sync
   * cut short), and a wait begun after it must not last the whole poll.
   */
  private sleep(ms: number): Promise<void> {
    const { signal } = this.stopping;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakeUp = done;
    });
  }
}

/** Whether `work` settles (either way) within `ms`. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** An IMAP UID set for ascending UIDs, runs packed (`1:400,405`): stored mail is mostly consecutive, and a server limits its command line. */
function uidSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; ) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j]! + 1) j++;
    parts.push(i === j ? String(uids[i]) : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Whether IMAP's INTERNALDATE (when the server received the message) lies before `cutoff`; false when the server gave none. */
function arrivedBefore(internalDate: Date | string | undefined, cutoff: number): boolean {
  const t = internalDate === undefined ? NaN : new Date(internalDate).getTime();
  return Number.isFinite(t) && t < cutoff;
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

/**
 * PostgreSQL's deadlock and serialization failure, SQLite's busy variants: races a retry wins.
 * (A timeout is not among them: a message that always takes too long must not block the folder.)
 */
const TRANSIENT_STORE_CODES = new Set(['40P01', '40001']);

function isTransientStoreError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (TRANSIENT_STORE_CODES.has(code) || code.startsWith('SQLITE_BUSY'));
}

/** Whether a header block says multipart/report (a DSN, an abuse report, a read receipt) or names X-Failed-Recipients (a plain-text bounce). */
function isReport(head: Buffer | undefined): boolean {
  if (!head) return false;
  const unfolded = head.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  return /^content-type:\s*multipart\/report\b/im.test(unfolded) || /^x-failed-recipients:/im.test(unfolded);
}

/** Whether the server says `path` does not exist (imapflow's STATUS checks with LIST); false when it cannot tell. */
async function folderMissing(client: ImapFlow, path: string): Promise<boolean> {
  if (!client.usable) return false;
  try {
    await client.status(path, { messages: true });
    return false;
  } catch (err) {
    return (err as { code?: string } | undefined)?.code === 'NotFound';
  }
}

/** The server refused the credentials (a tagged NO to LOGIN/AUTHENTICATE), not a network failure. */
function isLoginRefused(err: unknown): boolean {
  return (err as { authenticationFailed?: boolean } | undefined)?.authenticationFailed === true;
}

/** An IMAP failure for the status and the log: a connection that is gone in Mailroom's words (connection-closed.ts), anything else as said. */
function imapErrorText(err: unknown): string {
  return connectionClosedText(err) ?? errorText(err);
}

function errorText(err: unknown): string {
  const e = err as { responseText?: string; message?: string; code?: string };
  return (e?.responseText || e?.message || String(err)).slice(0, 500);
}
