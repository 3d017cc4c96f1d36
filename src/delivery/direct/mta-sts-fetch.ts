import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { mtaStsRecordId, parseMtaStsPolicy, type MtaStsPolicy } from '../../core/direct/mta-sts.js';
import { checkExchanger, type NetworkPolicy } from '../../core/probes/network-policy.js';
import type { ExchangerLookup } from './exchanger-lookup.js';
import type { MtaStsSource } from './mta-sts-source.js';

/** RFC 8461 §3.3: the policy body is small; anything bigger is not a policy. */
const MAX_POLICY_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

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
 * as the RFC says (§5): MTA-STS protects against downgrades once a policy was seen.
 */
export function httpsMtaStsSource(deps: { lookup: ExchangerLookup; policy: NetworkPolicy; extraCa?: string[]; port?: number; now?: () => number }): MtaStsSource {
  const now = deps.now ?? Date.now;
  const cache = new Map<string, Cached>();

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
          timeout: FETCH_TIMEOUT_MS,
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
      req.on('timeout', () => req.destroy(new Error(`${host}: no policy within ${FETCH_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end();
    });
    return parseMtaStsPolicy(id, body);
  }

  return {
    async policyFor(domain) {
      const hit = cache.get(domain);
      const valid = hit && hit.until > now() ? hit.policy : undefined;
      const txt = await deps.lookup.txt(`_mta-sts.${domain}`);
      const id = txt.ok ? mtaStsRecordId(txt.value) : undefined;
      // No record (or no answer): a policy seen before stays in force until its max_age ends.
      if (!id || (valid && valid.id === id)) return { ok: true, value: valid && valid.mode !== 'none' ? valid : undefined };
      try {
        const policy = await fetchPolicy(domain, id);
        cache.set(domain, { policy, until: now() + policy.maxAgeSec * 1000 });
        return { ok: true, value: policy.mode === 'none' ? undefined : policy };
      } catch {
        return { ok: true, value: valid && valid.mode !== 'none' ? valid : undefined };
      }
    },
  };
}
