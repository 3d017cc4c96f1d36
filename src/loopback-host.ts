import { isIP } from 'node:net';

/**
 * Whether a configured host names this machine. A password may cross an unencrypted connection
 * only to such a host (IMAP with security "none"): the IMAP reader and the IMAP test decide it
 * the same way, so the test never fails a setup the reader would use, nor passes one it refuses.
 * Deliberately narrower than the network policy's classifyIp: that one counts IPv6 forms that
 * embed 127.x (6to4, NAT64) as loopback so the SSRF guard blocks them, but a packet to 2002:7f00::
 * leaves this machine, and a password must not travel with it in clear text.
 */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}
