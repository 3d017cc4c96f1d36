import { describe, expect, it } from 'vitest';
import { CLOSED_BY_SERVER, connectionClosedText, IMAP_CONNECTION_CLOSED, ImapConnectionClosedError } from '../../src/inbound/connection-closed.js';

/** imapflow's errors as it raises them (a code, and the command or site it rejected), in Mailroom's words. */
const gone = (fields: Record<string, unknown>) => Object.assign(new Error('Connection not available'), { code: 'NoConnection', ...fields });

describe('a reader connection that is gone, in Mailroom\'s words', () => {
  it('names what the reader was doing by the command the drop cut short', () => {
    expect(connectionClosedText(gone({ command: 'UID FETCH', rejectedFrom: 'pendingRequest' }))).toBe('the IMAP connection was closed while the reader was fetching messages (UID FETCH)');
    expect(connectionClosedText(gone({ command: 'UID STORE' }))).toBe('the IMAP connection was closed while the reader was marking stored messages \\Seen (UID STORE)');
    expect(connectionClosedText(Object.assign(new Error('Connection closed'), { code: 'EConnectionClosed', command: 'NOOP' }))).toBe('the IMAP connection was closed while the reader was checking the folder for new mail (NOOP)');
    expect(connectionClosedText(gone({ command: 'XLIST' }))).toBe("the IMAP connection was closed while the reader waited for the server's answer to XLIST");
    expect(connectionClosedText(gone({ rejectedFrom: 'connect' }))).toBe('the IMAP connection was closed while the reader was connecting and logging in');
    // imapflow's "Unexpected close" before connect() settled (greeting, TLS, login), named by no command; the connection test says "the test".
    expect(connectionClosedText(Object.assign(new Error('Unexpected close'), { code: 'ClosedAfterConnectText' }), 'the test')).toBe('the IMAP connection was closed while the test was connecting and logging in');
    expect(connectionClosedText(Object.assign(new Error('Unexpected close'), { code: 'ClosedAfterConnectTLS', reason: 'Too many connections' }))).toBe(
      'the IMAP connection was closed while the reader was connecting and logging in (the server said: Too many connections)',
    );
    expect(connectionClosedText(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe("the IMAP connection was closed while the reader waited for the server's answer");
  });

  it('keeps the server\'s parting words (its BYE), but not imapflow\'s stand-in for none', () => {
    expect(connectionClosedText(gone({ command: 'UID FETCH', reason: 'Server shutting down.' }))).toBe('the IMAP connection was closed while the reader was fetching messages (UID FETCH) (the server said: Server shutting down.)');
    expect(connectionClosedText(gone({ command: 'UID FETCH', reason: 'Server closed connection' }))).toBe('the IMAP connection was closed while the reader was fetching messages (UID FETCH)');
  });

  it('says the idle close as before, with a stable code, and leaves every other error to its own words', () => {
    const idle = new ImapConnectionClosedError(CLOSED_BY_SERVER);
    expect(idle.code).toBe(IMAP_CONNECTION_CLOSED);
    expect(connectionClosedText(idle)).toBe('the IMAP connection was closed by the server');
    expect(connectionClosedText(Object.assign(new Error('No mailbox is selected'), { code: 'NoMailboxSelected' }))).toBeNull();
    expect(connectionClosedText(Object.assign(new Error('Command failed'), { responseText: 'Permission denied' }))).toBeNull();
    expect(connectionClosedText(undefined)).toBeNull();
  });
});
