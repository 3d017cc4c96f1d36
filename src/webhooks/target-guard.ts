import { lookup as dnsLookup } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { ErrorCodes, invalid, MailroomError } from '../core/kernel/errors.js';
import { checkTarget, parseIp, type NetworkPolicy } from '../core/probes/network-policy.js';
import type { WebhookTargetGuard } from '../core/webhooks/ports.js';

/**
 * The SSRF guard of webhooks, the diagnostics' rules (core/probes/network-policy.ts): a
 * receiver on a loopback, private, link-local, metadata, multicast or reserved address is
 * refused unless MAILROOM_ALLOW_PRIVATE_HOSTS lists it. Checked when the URL is saved (every
 * address the host resolves to) and again on every connection: the lookup hook below resolves
 * once, checks that address and hands the very same one to the socket, so a DNS answer that
 * changes later (rebinding) cannot lead a request inside.
 */

/** A connection the policy refused; nothing was sent. */
export class TargetRefusedError extends Error {
  readonly code = 'MAILROOM_TARGET_REFUSED';
}

const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

export function refusal(host: string, address: string, cls: string): string {
  return `${host} resolves to ${address} (${cls}): webhooks may not be sent there. If the receiver is an internal service, add it to MAILROOM_ALLOW_PRIVATE_HOSTS (an address, CIDR range or host name).`;
}

/** A webhook receiver: no port lets it reach an internal address (only the allow-list does). */
const webhookTarget = (host: string) => ({ host, port: 0, protocol: 'http' as const, saved: false });

/** Checked at save time: the host must resolve, and to allowed addresses only. */
export function webhookTargetGuard(policy: NetworkPolicy): WebhookTargetGuard {
  return {
    async check(url) {
      const host = bare(url.hostname);
      let addresses: string[];
      if (parseIp(host)) addresses = [host];
      else {
        try {
          addresses = (await dnsLookupAsync(host, { all: true, verbatim: true })).map((a) => a.address);
        } catch (err) {
          throw invalid('url', `cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check the host name`);
        }
      }
      for (const address of addresses) {
        const verdict = checkTarget(policy, webhookTarget(host), address);
        if (!verdict.allowed) throw new MailroomError(ErrorCodes.TARGET_NOT_ALLOWED, refusal(host, address, verdict.class), { field: 'url', host, address, class: verdict.class });
      }
    },
  };
}

/** Refuses an address literal in the URL (the socket connects to it without any lookup). */
export function checkLiteral(policy: NetworkPolicy, hostname: string): void {
  const host = bare(hostname);
  if (!parseIp(host)) return;
  const verdict = checkTarget(policy, webhookTarget(host), host);
  if (!verdict.allowed) throw new TargetRefusedError(refusal(host, host, verdict.class));
}

/** net.connect's `lookup`: one resolution, checked, and that address is the one connected to. */
export function guardedLookup(policy: NetworkPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { family: options.family ?? 0, hints: options.hints, verbatim: true }, (err, address, family) => {
      if (err) return callback(err, '', 0);
      const verdict = checkTarget(policy, webhookTarget(hostname), address);
      if (!verdict.allowed) return callback(new TargetRefusedError(refusal(hostname, address, verdict.class)) as NodeJS.ErrnoException, '', 0);
      // net asks for every address when it races IPv4 and IPv6 (autoSelectFamily): give it the checked one.
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
      callback(null, address, family);
    });
  };
}
