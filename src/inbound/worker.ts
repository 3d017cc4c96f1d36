import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { CoreContext } from '../core/context.js';
import type { StoreCapabilities } from '../core/ports.js';
import type { StoredAccount } from '../core/senders/ports.js';
import type { Logger } from '../logger.js';
import type { Worker } from '../ports.js';
import { DEFAULT_READER_TUNING, MailboxReader, type ReaderTuning } from './mailbox-reader.js';

export type InboundTuning = Partial<ReaderTuning> & {
  /** How often the worker looks for accounts whose reading was switched on or off, or that changed. */
  refreshMs?: number;
};

export interface InboundWorker extends Worker {
  /** The folders this process reads now, as `accountId/folder`. */
  reading(): string[];
  /** Looks at the accounts again now (tests; the worker also does it every refreshMs). */
  refresh(): Promise<void>;
}

/**
 * The IMAP readers of this process: one MailboxReader per folder of every active account whose
 * `inbound.enabled` is set and whose server has an IMAP section. With several processes on one
 * PostgreSQL database each folder is read by whichever holds its lease; the others wait.
 */
export function inboundWorker(deps: { ctx: CoreContext; capabilities: StoreCapabilities; logger: Logger; password(account: StoredAccount, opts?: { fresh?: boolean }): Promise<string | undefined> }, tuning: InboundTuning = {}): InboundWorker {
  const { refreshMs = 30_000, ...readerTuning } = tuning;
  const logger = deps.logger.child({ component: 'inbound' });
  // Where only one process can write (SQLite), a restarted process is the same reader and takes
  // its leases back at once; where several can (PostgreSQL), a dead process's lease must run out.
  const owner = deps.capabilities.multiWriter ? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}` : 'the-only-process';
  // Each reader with the account and server versions it was started for (see doRefresh).
  const readers = new Map<string, { reader: MailboxReader; stamp: string }>();
  let timer: NodeJS.Timeout | undefined;
  let refreshing: Promise<void> | undefined;

  type Wanted = { accountId: string; folder: string; stamp: string };
  const wanted = async (): Promise<Map<string, Wanted>> => {
    const out = new Map<string, Wanted>();
    const repos = deps.ctx.store.repos;
    for (const a of await repos.accounts.list()) {
      if (!a.active || !a.inbound?.enabled) continue;
      const server = await repos.servers.get(a.serverId);
      if (!server?.imap) continue;
      const stamp = `${a.version}/${server.version}`;
      for (const folder of a.inbound.folders) out.set(`${a.id}/${folder}`, { accountId: a.id, folder, stamp });
    }
    return out;
  };

  const doRefresh = async () => {
    let want: Map<string, Wanted>;
    try {
      want = await wanted();
    } catch (err) {
      logger.warn({ err }, 'could not list the accounts to read; trying again later');
      return;
    }
    const stopping: Promise<void>[] = [];
    for (const [key, { reader, stamp }] of readers) {
      const w = want.get(key);
      if (w && w.stamp === stamp) continue;
      // A reader keeps its connection (and the account as it was when it connected) for as long
      // as the connection lives: a changed account or server (new password, login, IMAP host,
      // trust, afterProcessing) would otherwise apply only after a drop. Restart it now instead.
      if (w) logger.info({ accountId: w.accountId, folder: w.folder }, 'the account or its server changed; restarting its IMAP reader');
      readers.delete(key);
      stopping.push(reader.stop());
    }
    // Together: each stop may take a reader's grace period (a sync marking what it stored), and
    // an account's ten folders must not take ten of them.
    await Promise.all(stopping);
    await markUnread(want);
    for (const [key, w] of want) {
      if (readers.has(key)) continue;
      const reader = new MailboxReader({ ctx: deps.ctx, logger, owner, password: deps.password, tuning: { ...DEFAULT_READER_TUNING, ...readerTuning } }, w.accountId, w.folder);
      readers.set(key, { reader, stamp: w.stamp });
      reader.start();
    }
  };
  /**
   * A folder no process reads any more (reading switched off, the folder or the account removed
   * or switched off) says `idle`: its last reader's "watching" or "failing", with a retry time
   * that never comes, would otherwise stay on the status for good. The cursor is kept, so reading
   * switched on again goes on from there. Every process computes the same `want` from the
   * accounts, so this never idles a folder another process reads.
   */
  const markUnread = async (want: Map<string, Wanted>) => {
    const repos = deps.ctx.store.repos;
    try {
      for (const m of await repos.mailboxes.list()) {
        if (m.state === 'idle' || want.has(`${m.accountId}/${m.folder}`)) continue;
        await repos.mailboxes.report(m.accountId, m.folder, { state: 'idle', lastError: null, failures: 0, nextAttemptAt: null }, deps.ctx.clock.now());
      }
    } catch (err) {
      logger.warn({ err }, 'could not mark the folders no longer read as idle; trying again later');
    }
  };
  const refresh = () => (refreshing ??= doRefresh().finally(() => (refreshing = undefined)));

  return {
    name: 'inbound',
    reading: () => [...readers.keys()],
    refresh,
    async start() {
      await refresh();
      timer = setInterval(() => void refresh(), refreshMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await refreshing;
      await Promise.all([...readers.values()].map(({ reader }) => reader.stop()));
      readers.clear();
    },
  };
}
