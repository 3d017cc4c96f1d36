import { isIP } from 'node:net';

/**
 * Whether a configured host names this machine. A password may cross an unencrypted connection
 * only to such a host (IMAP with security "none"): the IMAP reader and the IMAP test decide it
 * the same way, so the test never fails a setup the reader would use, nor passes one it refuses.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
