import { evaluateSpf, type DnsLookup, type SpfResult } from './spf.js';

/** A sender domain whose SPF does not let one of this machine's public addresses send for it. */
export interface SpfGap {
  domain: string;
  /** Each uncovered address with its SPF result (fail, softfail or none). */
  results: Record<string, SpfResult>;
}

/**
 * Results that make receivers distrust direct mail. neutral, permerror and unknown (macros,
 * ptr, exists, DNS trouble) are left to the domain check, which explains them.
 */
const NOT_COVERING: ReadonlySet<SpfResult> = new Set(['fail', 'softfail', 'none']);

/**
 * Evaluates each domain's SPF for each address exchangers see Mailroom connect from. A domain
 * whose DNS cannot be read is not reported: the banner must not claim a gap it cannot see.
 */
export async function spfGaps(dns: DnsLookup, domains: readonly string[], addresses: readonly string[]): Promise<SpfGap[]> {
  const checked = await Promise.all(
    domains.map(async (domain): Promise<SpfGap> => {
      // In parallel: the banner asks on every admin page, and a slow resolver must not add up.
      const evaluated = await Promise.all(addresses.map(async (ip) => [ip, await evaluateSpf(dns, domain, ip).catch((): SpfResult => 'unknown')] as const));
      return { domain, results: Object.fromEntries(evaluated.filter(([, r]) => NOT_COVERING.has(r))) };
    }),
  );
  return checked.filter((g) => Object.keys(g.results).length > 0);
}

/** The SPF mechanisms that authorise the addresses: "ip4:203.0.113.7 ip6:2001:db8::7". */
export function spfMechanisms(addresses: readonly string[]): string {
  return addresses.map((a) => `${a.includes(':') ? 'ip6' : 'ip4'}:${a}`).join(' ');
}
