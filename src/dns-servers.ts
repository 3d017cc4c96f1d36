import { Resolver } from 'node:dns/promises';

/**
 * What is wrong with MAILROOM_DNS_SERVERS ("ip" or "ip:port", "[ipv6]:port"), said as the
 * start's other problems; undefined when Node's resolver takes them. Checked by the
 * configuration with every other variable, and again where the resolver is made.
 */
export function dnsServersProblem(servers: readonly string[], resolver = new Resolver()): string | undefined {
  if (!servers.length) return undefined;
  try {
    resolver.setServers([...servers]);
    return undefined;
  } catch (err) {
    return `MAILROOM_DNS_SERVERS: ${(err as Error).message} (give addresses like "10.0.0.2" or "127.0.0.1:5353", comma-separated)`;
  }
}
