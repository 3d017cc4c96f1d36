import type { ImapFlow, Logger } from 'imapflow';
import type { StoredAccount } from '../core/senders/ports.js';
import { effectiveLogin } from '../core/senders/accounts.js';
import type { MailServer } from '../core/senders/servers.js';
import { tlsOptions } from '../delivery/smtp/transport.js';
import { isLoopbackHost } from '../loopback-host.js';

/** A reader that hears nothing for this long takes the connection for dead and starts a new one. */
const SOCKET_TIMEOUT_MS = 5 * 60_000;

/**
 * A fresh imapflow client for an account's mailbox (imapflow clients are single-use: after a
 * close or a dropped connection, make a new one). TLS follows the server's trust choice, the
 * same as for SMTP (system CAs, a pinned certificate, or "any"). The password never crosses an
 * unencrypted connection except to this machine.
 *
 * `secret` is the account's password, or for an OAuth2 account the access token Mailroom
 * fetched (src/secrets/oauth2): imapflow then logs in with SASL XOAUTH2 (OAUTHBEARER where the
 * server offers it) instead of LOGIN/PLAIN.
 */
export async function imapClient(server: MailServer, account: StoredAccount, secret: string | undefined, opts: { timeoutMs: number; maxIdleMs: number; onCommandError?: (serverText: string) => void }): Promise<ImapFlow> {
  const imap = server.imap;
  if (!imap) throw new Error(`server "${server.name}" has no IMAP section`);
  const oauth2 = account.auth.type === 'oauth2';
  if (secret === undefined || secret === '') throw new Error(oauth2 ? `account ${account.address} has no OAuth2 access token: the IMAP login needs one` : `account ${account.address} has no password: the IMAP login needs one`);
  if (imap.security === 'none' && !isLoopbackHost(imap.host)) {
    throw new Error(`IMAP security is "none" on ${imap.host}: Mailroom never sends the ${oauth2 ? 'access token' : 'password'} unencrypted; use port 993 with "tls" or 143 with "starttls"`);
  }
  // Loaded on first use (~0.3 s of CPU): a process reading no mailbox never pays for it.
  const { ImapFlow: Client } = await import('imapflow');
  return new Client({
    host: imap.host,
    port: imap.port,
    secure: imap.security === 'tls',
    doSTARTTLS: imap.security === 'starttls' ? true : imap.security === 'none' ? false : undefined,
    auth: oauth2 ? { user: effectiveLogin(account), accessToken: secret } : { user: effectiveLogin(account), pass: secret },
    tls: tlsOptions({ ...server.smtp, host: imap.host }),
    // imapflow answers a refused STORE or MOVE with false and keeps the server's words for its
    // log: a caller that reports why a command failed hears them here.
    logger: opts.onCommandError ? commandErrorsTo(opts.onCommandError) : false,
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // IDLE is restarted this often, so a silently dead IDLE is noticed (the next command fails).
    maxIdleTime: opts.maxIdleMs,
    missingIdleCommand: 'NOOP',
  });
}

/**
 * An imapflow logger that only passes on the server's text of a failed command (imapflow logs
 * a failed command's error at warn, with the tagged NO or BAD's text); every other entry is
 * dropped before imapflow builds it (isLevelEnabled).
 */
function commandErrorsTo(hear: (serverText: string) => void): Logger & { isLevelEnabled(level: string): boolean } {
  const take = (entry: unknown) => {
    const err = (entry as { err?: { responseText?: unknown; response?: unknown } } | undefined)?.err;
    const text = err?.responseText ?? err?.response;
    if (typeof text === 'string' && text.trim()) hear(text.trim());
  };
  const ignore = () => undefined;
  return { debug: ignore, info: ignore, warn: take, error: ignore, isLevelEnabled: (level) => level === 'warn' };
}
