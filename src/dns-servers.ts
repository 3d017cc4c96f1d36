import { Resolver } from 'node:dns/promises';

/**
 * What is wrong with MAILROOM_DNS_SERVERS ("ip" or "ip:port", "[ipv6]:port"), said as the
 * start's other problems; undefined when Node's resolver takes them. Checked by the
 * configuration with every other variable, and again where the resolver is made.
 */
export function dnsServersProblem(servers: readonly string[], resolver = new Resolver()): string | undefined {
  if (!servers.length) return undefined;
  // Node checks the address but not the port: port 0 aborts the process inside c-ares, and a
  // port above 65535 is taken modulo 65536 (8.8.8.8:99999 asked 8.8.8.8:34463).
  const badPort = servers.find((s) => {
    const port = portOf(s);
    return port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535);
  });
  if (badPort !== undefined) return `MAILROOM_DNS_SERVERS: "${badPort.slice(0, 100)}" has port ${portOf(badPort)?.slice(0, 20)}; a port is a whole number from 1 to 65535 (give addresses like "10.0.0.2" or "127.0.0.1:5353", comma-separated)`;
  try {
    resolver.setServers([...servers]);
    return undefined;
  } catch (err) {
    return `MAILROOM_DNS_SERVERS: ${(err as Error).message} (give addresses like "10.0.0.2" or "127.0.0.1:5353", comma-separated)`;
  }
}

/** The port an entry names ("ip:port", "[ipv6]:port"), as written; undefined when it names none. */
function portOf(entry: string): string | undefined {
  const bracketed = /^\[[^\]]*\]:(.*)$/.exec(entry);
  if (bracketed) return bracketed[1];
  // One colon: an IPv4 address and a port. More: a bare IPv6 address, which carries none.
  const parts = entry.split(':');
  return parts.length === 2 ? parts[1] : undefined;
}
