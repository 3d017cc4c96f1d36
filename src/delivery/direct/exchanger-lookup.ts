import { Resolver } from 'node:dns/promises';
import { destinationOf, type Destination, type MxRecord } from '../../core/direct/destinations.js';
import { ErrorCodes, MailroomError } from '../../core/kernel/errors.js';
import { parseServer, queryMx } from './mx-query.js';

/**
 * DNS for direct delivery, through MAILROOM_DNS_SERVERS (or the system's resolvers), with the
 * distinctions delivery needs: NXDOMAIN is an answer (the domain does not exist: the recipient
 * fails), a name without records of the type is an answer (no MX: the implicit MX), SERVFAIL,
 * a refusal or a timeout is no answer (the attempt is deferred and retried).
 */
export type Answer<T> = { ok: true; value: T } | { ok: false; permanent: boolean; reason: string };

export interface ExchangerLookup {
  /** The domain's exchangers in preference order, or its null MX. */
  destination(domain: string): Promise<Answer<Destination>>;
  /** An exchanger's addresses (IPv4 first, then IPv6). */
  addresses(host: string): Promise<Answer<string[]>>;
  /** TXT records (MTA-STS); an absent name is an empty list. */
  txt(name: string): Promise<Answer<string[]>>;
}

/** A name that does not exist is kept this long; answers are kept for their TTL, at most an hour. */
const NEGATIVE_TTL_SEC = 60;
const MAX_TTL_SEC = 3600;

const NO_RECORDS = new Set(['ENODATA']);
const NO_DOMAIN = new Set(['ENOTFOUND', 'NXDOMAIN']);

function failure(err: unknown, name: string, what: string): Answer<never> {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (NO_DOMAIN.has(code)) return { ok: false, permanent: true, reason: `${name} does not exist (NXDOMAIN): there is no such mail domain` };
  const why = code === 'ESERVFAIL' ? 'the DNS server failed (SERVFAIL)' : code === 'ETIMEOUT' ? 'the DNS lookup timed out' : `the DNS lookup failed (${code || (err as Error).message})`;
  return { ok: false, permanent: false, reason: `cannot look up the ${what} of ${name}: ${why}; retrying later` };
}

interface Cached<T> {
  answer: Answer<T>;
  until: number;
}

export function createExchangerLookup(servers: readonly string[], opts: { timeoutMs?: number; now?: () => number; random?: () => number } = {}): ExchangerLookup {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  if (servers.length) {
    try {
      resolver.setServers([...servers]);
    } catch (err) {
      throw new MailroomError(ErrorCodes.CONFIG, `MAILROOM_DNS_SERVERS: ${(err as Error).message}`);
    }
  }
  // MX questions go out on their own (mx-query.ts) to learn the records' TTL, to the same servers.
  // No server known (an empty resolv.conf): c-ares then asks 127.0.0.1, and so does this.
  const listed = resolver.getServers();
  const mxServers = (listed.length ? listed : ['127.0.0.1']).map(parseServer);
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Cached<unknown>>();
  async function cached<T>(key: string, look: () => Promise<{ answer: Answer<T>; ttlSec: number }>): Promise<Answer<T>> {
    const hit = cache.get(key) as Cached<T> | undefined;
    if (hit && hit.until > now()) return hit.answer;
    const { answer, ttlSec } = await look();
    // A failure to answer (SERVFAIL, timeout) is not remembered: the next attempt asks again.
    if (answer.ok || answer.permanent) {
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { answer, until: now() + Math.min(ttlSec, MAX_TTL_SEC) * 1000 });
    }
    return answer;
  }

  async function addressRecords(host: string): Promise<{ answer: Answer<string[]>; ttlSec: number }> {
    const out: string[] = [];
    let ttl = MAX_TTL_SEC;
    let missing = 0;
    for (const family of [4, 6] as const) {
      try {
        const records = family === 4 ? await resolver.resolve4(host, { ttl: true }) : await resolver.resolve6(host, { ttl: true });
        for (const r of records) {
          out.push(r.address);
          ttl = Math.min(ttl, r.ttl);
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (NO_RECORDS.has(code)) continue;
        if (NO_DOMAIN.has(code)) {
          missing++;
          continue;
        }
        return { answer: failure(err, host, 'addresses'), ttlSec: 0 };
      }
    }
    if (out.length) return { answer: { ok: true, value: out }, ttlSec: ttl };
    if (missing) return { answer: { ok: false, permanent: true, reason: `${host} does not exist (NXDOMAIN)` }, ttlSec: NEGATIVE_TTL_SEC };
    return { answer: { ok: false, permanent: true, reason: `${host} has no A or AAAA record` }, ttlSec: NEGATIVE_TTL_SEC };
  }

  const lookup: ExchangerLookup = {
    addresses: (host) => cached(`addr:${host}`, () => addressRecords(host)),
    // The records are kept, not their order: equal preferences are shuffled at each use (RFC 5321
    // §5.1 load spreading), not once per TTL, which sent an hour of mail to one of them.
    destination: async (domain) => {
      const answer = await cached(`mx:${domain}`, async (): Promise<{ answer: Answer<MxRecord[]>; ttlSec: number }> => {
        try {
          const { records, ttlSec } = await queryMx(mxServers, domain, { timeoutMs, tries: 2 });
          // The MX records' own TTL (at most an hour); the exchangers' addresses are kept for theirs.
          return { answer: { ok: true, value: records }, ttlSec };
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          if (!NO_RECORDS.has(code)) return { answer: failure(err, domain, 'mail exchangers (MX)'), ttlSec: NEGATIVE_TTL_SEC };
          // No MX records: the domain is its own exchanger (implicit MX), asked again after the negative TTL.
          return { answer: { ok: true, value: [] }, ttlSec: NEGATIVE_TTL_SEC };
        }
      });
      return answer.ok ? { ok: true, value: destinationOf(domain, answer.value, opts.random) } : answer;
    },
    txt: (name) =>
      cached(`txt:${name}`, async () => {
        try {
          return { answer: { ok: true, value: (await resolver.resolveTxt(name)).map((chunks) => chunks.join('')) }, ttlSec: 300 };
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code ?? '';
          if (NO_RECORDS.has(code) || NO_DOMAIN.has(code)) return { answer: { ok: true, value: [] }, ttlSec: NEGATIVE_TTL_SEC };
          return { answer: failure(err, name, 'TXT records'), ttlSec: 0 };
        }
      }),
  };
  return lookup;
}
