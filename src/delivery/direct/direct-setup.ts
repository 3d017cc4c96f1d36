import type { NetworkPolicy } from '../../core/probes/network-policy.js';
import type { DkimSigner } from '../dkim-signer.js';
import { DirectTransports, type DirectLogger } from './direct-transport.js';
import { createExchangerLookup } from './exchanger-lookup.js';
import { httpsMtaStsSource } from './mta-sts-fetch.js';

/**
 * Direct delivery as the configuration asks for it: MX lookups through MAILROOM_DNS_SERVERS,
 * the network policy of MAILROOM_ALLOW_PRIVATE_HOSTS for exchangers and MTA-STS hosts alike.
 * Built in the SMTP thread (or on the main thread when the pools stay there).
 */
export function directTransports(o: { dnsServers: readonly string[]; policy: NetworkPolicy; logger: DirectLogger; dkim: DkimSigner; extraCa?: string[]; mtaStsPort?: number }): DirectTransports {
  const lookup = createExchangerLookup(o.dnsServers);
  return new DirectTransports({
    lookup,
    policy: o.policy,
    logger: o.logger,
    dkim: o.dkim,
    mtaSts: httpsMtaStsSource({ lookup, policy: o.policy, extraCa: o.extraCa, port: o.mtaStsPort, logger: o.logger }),
    extraCa: o.extraCa,
  });
}
