/**
 * A reader's IMAP connection that ended under it, said in Mailroom's words: the status and the
 * log showed imapflow's own ("Connection not available") when the connection dropped while a
 * command ran (Dovecot's imap process dying mid-sync, a network cut), and Mailroom's when the
 * server closed an idle one. Both are now the same family: "the IMAP connection was closed …".
 */

/** The stable code of the error a reader fails with when its connection is gone. */
export const IMAP_CONNECTION_CLOSED = 'IMAP_CONNECTION_CLOSED';

/** The words for a connection the server closed while the reader waited (IDLE, or between syncs). */
export const CLOSED_BY_SERVER = 'the IMAP connection was closed by the server';

export class ImapConnectionClosedError extends Error {
  readonly code = IMAP_CONNECTION_CLOSED;
}

/**
 * imapflow's codes for a connection that closed before connect() settled (its greeting, the
 * TLS upgrade and the login are all part of it): "Unexpected close", no command named.
 */
const CLOSED_WHILE_CONNECTING = ['ClosedAfterConnectText', 'ClosedAfterConnectTLS'];

/**
 * imapflow's codes for a connection that is gone, the command not (or no longer) completed
 * (its ImapFlowErrorCode: NoConnection, EConnectionClosed, StateLogout), and the socket's own
 * where one passes through.
 */
const GONE_CODES: ReadonlySet<string> = new Set(['NoConnection', 'EConnectionClosed', 'StateLogout', 'ECONNRESET', 'EPIPE', ...CLOSED_WHILE_CONNECTING]);

/** What the reader was doing, by the IMAP command it waited on (imapflow names it on the error). */
const DOING: Readonly<Record<string, string>> = {
  FETCH: 'fetching messages',
  STORE: 'marking stored messages \\Seen',
  MOVE: 'moving stored messages',
  COPY: 'moving stored messages',
  EXPUNGE: 'moving stored messages',
  SEARCH: 'searching the folder',
  NOOP: 'checking the folder for new mail',
  STATUS: 'asking the folder for its state',
  LIST: 'listing the folders',
  SELECT: 'opening the folder',
  EXAMINE: 'opening the folder',
  IDLE: 'waiting for new mail (IDLE)',
  LOGIN: 'logging in',
  AUTHENTICATE: 'logging in',
};

/**
 * Mailroom's words for an error that says the connection is gone (null for any other): the
 * command it cut short in the reader's terms, with the IMAP command, and the server's parting
 * words (its BYE) where it gave them. The server or the network may have ended it: a reader
 * cannot tell a process that died from a cable that did.
 */
export function connectionClosedText(err: unknown, who = 'the reader'): string | null {
  if (err instanceof ImapConnectionClosedError) return err.message;
  const e = err as { code?: unknown; command?: unknown; rejectedFrom?: unknown; reason?: unknown } | null | undefined;
  if (typeof e?.code !== 'string' || !GONE_CODES.has(e.code)) return null;
  const command = typeof e.command === 'string' ? e.command.trim().toUpperCase() : '';
  const said = typeof e.reason === 'string' && e.reason.trim() && e.reason !== 'Server closed connection' ? ` (the server said: ${e.reason.trim().slice(0, 300)})` : '';
  const where = CLOSED_WHILE_CONNECTING.includes(e.code) ? 'connect' : e.rejectedFrom;
  return `the IMAP connection was closed ${during(who, command, where)}${said}`;
}

/** `who`: the reader, or the connection test (src/probes/imap-runner.ts), which says the same. */
function during(who: string, command: string, rejectedFrom: unknown): string {
  const doing = DOING[command.replace(/^UID /, '')];
  if (doing) return `while ${who} was ${doing} (${command})`;
  if (command) return `while ${who} waited for the server's answer to ${command}`;
  if (rejectedFrom === 'connect' || rejectedFrom === 'tlsUpgrade') return `while ${who} was connecting and logging in`;
  return `while ${who} waited for the server's answer`;
}
