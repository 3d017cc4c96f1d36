import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

/**
 * docs/operations.md: "Invalid values stop the start with one message that lists every problem."
 * MAILROOM_DNS_SERVERS and MAILROOM_ALLOW_PRIVATE_HOSTS were checked only after the store had been
 * opened, migrated and given a key file (a new, empty data directory left behind), each on its own:
 * an operator fixed MAILROOM_LOG_LEVEL, started again, and only then heard of the DNS servers.
 */
describe('MAILROOM_DNS_SERVERS and MAILROOM_ALLOW_PRIVATE_HOSTS are checked with every other variable', () => {
  it('names a bad DNS server and a bad allow-list entry in the one message, with the others', () => {
    let error: unknown;
    try {
      loadConfig({ MAILROOM_DNS_SERVERS: '10.0.0.2, notanip', MAILROOM_ALLOW_PRIVATE_HOSTS: '10.0.0.0/8,foo..bar', MAILROOM_LOG_LEVEL: 'verbose' });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'MAILROOM_E_CONFIG' });
    const message = (error as Error).message;
    expect(message).toContain('MAILROOM_LOG_LEVEL must be one of');
    expect(message).toMatch(/MAILROOM_DNS_SERVERS: .*notanip.*give addresses like "10.0.0.2" or "127.0.0.1:5353"/);
    expect(message).toContain('MAILROOM_ALLOW_PRIVATE_HOSTS: "foo..bar" is neither an address, a CIDR range nor a host name');
  });

  it('refuses a port outside 1–65535 (port 0 aborted the process in c-ares; 99999 asked port 34463)', () => {
    for (const [value, port] of [['127.0.0.1:0', '0'], ['8.8.8.8:99999', '99999'], ['[::1]:70000', '70000'], ['10.0.0.2:abc', 'abc']]) {
      expect(() => loadConfig({ MAILROOM_DNS_SERVERS: value })).toThrow(`MAILROOM_DNS_SERVERS: "${value}" has port ${port}; a port is a whole number from 1 to 65535`);
    }
    expect(loadConfig({ MAILROOM_DNS_SERVERS: '127.0.0.1:65535,::1' }).dnsServers).toEqual(['127.0.0.1:65535', '::1']);
  });

  it('takes good values as before', () => {
    const config = loadConfig({ MAILROOM_DNS_SERVERS: '10.0.0.2, 127.0.0.1:5353,[::1]:53', MAILROOM_ALLOW_PRIVATE_HOSTS: '10.0.0.0/8, smtp.internal, ::1' });
    expect(config.dnsServers).toEqual(['10.0.0.2', '127.0.0.1:5353', '[::1]:53']);
    expect(config.allowPrivateHosts).toEqual(['10.0.0.0/8', 'smtp.internal', '::1']);
    // Words in any case, as MAILROOM_MAIL_DRIVER=LOG is taken.
    expect(loadConfig({ MAILROOM_LOG_LEVEL: 'DEBUG' }).logLevel).toBe('debug');
  });
});
