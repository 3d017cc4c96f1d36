/**
 * Where mail for one recipient domain goes (RFC 5321 §5.1, RFC 7505): the MX hosts in
 * preference order; no MX at all means the domain itself is the exchanger (the "implicit
 * MX": its A/AAAA records); a single MX of "." (null MX) means the domain takes no mail.
 */
export interface MxRecord {
  exchange: string;
  priority: number;
}

export type Destination = { kind: 'exchangers'; hosts: string[]; implicit: boolean } | { kind: 'null-mx' };

const bare = (host: string) => host.trim().toLowerCase().replace(/\.$/, '');

/**
 * Orders the exchangers by preference (lowest first). Equal preferences are shuffled (RFC 5321
 * §5.1 asks senders to spread load over them); `random` makes that testable.
 */
export function destinationOf(domain: string, records: readonly MxRecord[], random: () => number = Math.random): Destination {
  if (records.length === 0) return { kind: 'exchangers', hosts: [bare(domain)], implicit: true };
  // RFC 7505: the null MX is the only MX record, preference 0, exchange "." (resolvers give "").
  if (records.some((r) => bare(r.exchange) === '')) return { kind: 'null-mx' };
  const keyed = records.map((r) => ({ host: bare(r.exchange), priority: r.priority, tie: random() }));
  keyed.sort((a, b) => a.priority - b.priority || a.tie - b.tie);
  return { kind: 'exchangers', hosts: [...new Set(keyed.map((k) => k.host))], implicit: false };
}

/** Recipients grouped by their domain (lower case), in the order the domains first appear. */
export function groupByDomain(recipients: readonly string[]): { domain: string; recipients: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const address of recipients) {
    const domain = bare(address.slice(address.lastIndexOf('@') + 1));
    const list = groups.get(domain);
    if (list) list.push(address);
    else groups.set(domain, [address]);
  }
  return [...groups].map(([domain, list]) => ({ domain, recipients: list }));
}
