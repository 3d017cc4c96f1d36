import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { mtaStsRecordId, parseMtaStsPolicy, type MtaStsPolicy } from '../../core/direct/mta-sts.js';
import { checkExchanger, type NetworkPolicy } from '../../core/probes/network-policy.js';
import type { ExchangerLookup } from './exchanger-lookup.js';
import type { MtaStsSource } from './mta-sts-source.js';

/** RFC 8461 §3.3: the policy body is small; anything bigger is not a policy. */
const MAX_POLICY_BYTES = 64 * 1024;
/** The whole fetch (connect, TLS, headers, body) ends by then, however slowly the bytes come. */
const FETCH_DEADLINE_MS = 10_000;
/**
 * How long a failed fetch is remembered: meanwhile the domain has its cached policy or none (RFC
 * 8461 §3.3, §5) at once, so a policy host that never answers costs one deadline per domain
 * in that time instead of one for each of its messages.
 */
export const MTA_STS_FAILURE_CACHE_MS = 5 * 60_000;
/** Domains whose failure is remembered at most: beyond, the oldest are forgotten (a fetch each, no more). */
const MAX_FAILURES = 10_000;

interface Cached {
  policy: MtaStsPolicy;
  until: number;
}

/**
 * MTA-STS policies over HTTPS (RFC 8461 §3.3): `_mta-sts.<domain>` TXT through the configured
 * resolver, then https://mta-sts.<domain>/.well-known/mta-sts.txt with a certificate valid for
 * that name, no redirects, 64 KiB at most, under the same network policy as the exchangers.
 * A policy is cached for its max_age and refetched when the TXT id changes. When no policy can
 * be had (no record, fetch failed) and none is cached, the domain is treated as having none,
 * as the RFC says (§5): MTA-STS protects against downgrades once a policy was seen. A fetch has
 * a total deadline; a failed one is not tried again for MTA_STS_FAILURE_CACHE_MS, and messages
 * asking while one is under way wait for that one.
 */
export function httpsMtaStsSource(deps: {
  lookup: ExchangerLookup;
  policy: NetworkPolicy;
  extraCa?: string[];
  port?: number;
  now?: () => number;
  timeoutMs?: number;
  /** Told of each failed fetch (at most one per domain per MTA_STS_FAILURE_CACHE_MS). */
  logger?: { warn(obj: object, msg: string): void };
}): MtaStsSource {
  const now = deps.now ?? Date.now;
  const deadlineMs = deps.timeoutMs ?? FETCH_DEADLINE_MS;
  const cache = new Map<string, Cached>();
  /** Domains whose last fetch failed, with until when that is remembered (oldest first). */
  const failed = new Map<string, number>();
  /** Fetches under way, by domain and TXT id. */
  const fetching = new Map<string, Promise<MtaStsPolicy | undefined>>();

  async function fetchPolicy(domain: string, id: string): Promise<MtaStsPolicy> {
    const host = `mta-sts.${domain}`;
    const addresses = await deps.lookup.addresses(host);
    if (!addresses.ok) throw new Error(addresses.reason);
    const address = addresses.value.find((a) => checkExchanger(deps.policy, a).allowed);
    if (!address) throw new Error(`${host} resolves only to addresses the network policy refuses`);
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(
        {
          host: address,
          port: deps.port ?? 443,
          path: '/.well-known/mta-sts.txt',
          method: 'GET',
          servername: host,
          headers: { host },
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
          ...(deps.extraCa?.length ? { ca: [...rootCertificates, ...deps.extraCa] } : {}),
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            return reject(new Error(`${host} answered HTTP ${res.statusCode} (redirects are not followed)`));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_POLICY_BYTES) req.destroy(new Error(`${host}: the policy is larger than 64 KiB`));
            else chunks.push(c);
          });
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      // A total deadline: a per-socket idle timeout would let a server dripping a byte now and then hold the message for ever.
      // It also ends a refusal's body still coming (an HTTP error is settled before its body is read).
      const deadline = setTimeout(() => {
        const late = new Error(`${host}: no complete policy within ${deadlineMs / 1000} s`);
        reject(late);
        req.destroy(late);
      }, deadlineMs);
      req.on('close', () => clearTimeout(deadline));
      req.on('error', reject);
      req.end();
    });
    return parseMtaStsPolicy(id, body);
  }

  /** The policy, or undefined when it could not be fetched (remembered for a while); one fetch per domain and id at a time. */
  function fetchOnce(domain: string, id: string): Promise<MtaStsPolicy | undefined> {
    const key = `${domain} ${id}`;
    const under = fetching.get(key);
    if (under) return under;
    const fetched = fetchPolicy(domain, id)
      .then(
        (policy) => {
          cache.set(domain, { policy, until: now() + policy.maxAgeSec * 1000 });
          failed.delete(domain);
          return policy;
        },
        (err: unknown) => {
          failed.delete(domain);
          if (failed.size >= MAX_FAILURES) failed.delete(failed.keys().next().value as string);
          failed.set(domain, now() + MTA_STS_FAILURE_CACHE_MS);
          // Said once per failure window: a domain that publishes a record and serves no policy
          // (its own sender domain, a typo in its certificate) would otherwise go unnoticed, its
          // mail sent as if it had no policy.
          const hit = cache.get(domain);
          const cached = hit && hit.until > now() ? hit.policy : undefined;
          deps.logger?.warn(
            { domain, policyId: id, reason: err instanceof Error ? err.message : String(err), cachedMode: cached?.mode ?? null, retryInSec: MTA_STS_FAILURE_CACHE_MS / 1000 },
            cached
              ? `MTA-STS policy of ${domain} could not be fetched; its mail goes with the policy fetched before (mode ${cached.mode}) until the fetch is tried again`
              : `MTA-STS policy of ${domain} could not be fetched; its mail goes as if it published none (RFC 8461 §5) until the fetch is tried again`,
          );
          return undefined;
        },
      )
      .finally(() => fetching.delete(key));
    fetching.set(key, fetched);
    return fetched;
  }

  return {
    async policyFor(domain) {
      const hit = cache.get(domain);
      const valid = hit && hit.until > now() ? hit.policy : undefined;
      const txt = await deps.lookup.txt(`_mta-sts.${domain}`);
      const id = txt.ok ? mtaStsRecordId(txt.value) : undefined;
      const kept = valid && valid.mode !== 'none' ? valid : undefined;
      // No record (or no answer): a policy seen before stays in force until its max_age ends.
      if (!id || (valid && valid.id === id)) return { ok: true, value: kept };
      // A fetch that failed a moment ago (whatever the id): the cached policy or none, without waiting for another.
      if ((failed.get(domain) ?? 0) > now()) return { ok: true, value: kept };
      const policy = await fetchOnce(domain, id);
      if (!policy) return { ok: true, value: kept };
      return { ok: true, value: policy.mode === 'none' ? undefined : policy };
    },
  };
}
