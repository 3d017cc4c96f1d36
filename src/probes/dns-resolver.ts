import { Resolver } from 'node:dns/promises';
import type { DnsLookup } from '../core/probes/spf.js';
import { ErrorCodes, MailroomError } from '../core/kernel/errors.js';
import { dnsServersProblem } from '../dns-servers.js';

const ABSENT = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (err) {
    if (ABSENT.has((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw err;
  }
}

/**
 * The domain check's resolver: the system's, or the servers of MAILROOM_DNS_SERVERS ("ip" or
 * "ip:port"; tests point it at a DNS server on loopback).
 */
export function createDnsLookup(servers: readonly string[] = [], timeoutMs = 3000): DnsLookup {
  const resolver = new Resolver({ timeout: timeoutMs, tries: 2 });
  const problem = dnsServersProblem(servers, resolver);
  if (problem) throw new MailroomError(ErrorCodes.CONFIG, problem);
  return {
    // A TXT record may be split into several strings; they form one value (RFC 7208 §3.3).
    txt: async (name) => (await orEmpty(resolver.resolveTxt(name))).map((chunks) => chunks.join('')),
    mx: async (name) => (await orEmpty(resolver.resolveMx(name))).map((m) => ({ exchange: m.exchange.toLowerCase(), priority: m.priority })),
    addresses: async (name) => [...(await orEmpty(resolver.resolve4(name))), ...(await orEmpty(resolver.resolve6(name)))],
  };
}
