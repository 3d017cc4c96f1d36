import { requirePermission, type Principal } from '../access/auth.js';
import type { CoreContext } from '../context.js';
import { normalizeDkimDomain } from '../senders/dkim.js';
import { invalid, notFound } from '../kernel/errors.js';
import { parseIp } from './network-policy.js';
import { evaluateSpf, PROVIDER_SPF, spfAll, spfRecords, type DnsLookup, type SpfResult } from './spf.js';
import { optStr } from '../kernel/validate.js';
import { isDirect } from '../senders/servers.js';
import { spfMechanisms } from './direct-spf.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** The DNS records the verdict is based on, as published. */
  records: string[];
  /** What the records mean, in plain language. */
  explanation: string;
  /** What to publish or change, when something is missing or wrong. */
  hint?: string;
}

export interface DomainCheck {
  domain: string;
  ok: boolean;
  mx: CheckResult;
  spf: CheckResult & { covers: boolean | null; serverHost: string | null; serverAddresses: string[]; results: Record<string, SpfResult> };
  dkim: CheckResult & { selector: string | null; name: string | null; matchesConfiguredKey: boolean | null };
  dmarc: CheckResult & { policy: string | null; name: string | null };
}

/** DNS trouble (timeouts, SERVFAIL) is reported on the check, never as a crash of the whole request. */
async function guarded<T extends CheckResult>(fn: () => Promise<T>, fallback: Omit<T, keyof CheckResult>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    return { status: 'fail', records: [], explanation: `DNS lookup failed: ${(err as Error).message}`, hint: 'Check the DNS resolver Mailroom uses (MAILROOM_DNS_SERVERS) and try again.', ...fallback } as unknown as T;
  }
}

async function checkMx(dns: DnsLookup, domain: string): Promise<CheckResult> {
  const mx = (await dns.mx(domain)).sort((a, b) => a.priority - b.priority);
  const records = mx.map((m) => `${m.priority} ${m.exchange}`);
  if (mx.length === 1 && (mx[0].exchange === '' || mx[0].exchange === '.')) {
    return { status: 'warn', records, explanation: `${domain} publishes a "null MX" (RFC 7505): it receives no mail, so replies and bounces to its addresses are refused.` };
  }
  if (!mx.length) {
    return {
      status: 'warn',
      records,
      explanation: `${domain} has no MX record: replies and bounces to addresses at ${domain} cannot be delivered, and some receivers distrust senders whose domain cannot receive mail.`,
      hint: `Publish an MX record for ${domain} pointing at the server that receives its mail.`,
    };
  }
  return { status: 'pass', records, explanation: `Mail for ${domain} goes to ${mx.map((m) => m.exchange).join(', ')} (lowest priority number first).` };
}

/**
 * The SPF mechanism that authorises a relay: a known provider's include, an address as ip4:/ip6:
 * (a: takes a domain name, so "a:127.0.0.1" would authorise nothing), a name as a:.
 */
function relayMechanism(serverHost: string): string {
  const provider = PROVIDER_SPF.find((p) => p.host.test(serverHost));
  if (provider) return `include:${provider.include}`;
  const ip = parseIp(serverHost);
  if (ip) return spfMechanisms([serverHost.replace(/^\[|\]$/g, '')]);
  return `a:${serverHost}`;
}

/** Whom SPF must cover: a relay (by host name), or a direct server (by the public addresses the admin gave). */
type SpfTarget = { relayHost: string } | { direct: string[] } | null;

async function checkSpf(dns: DnsLookup, domain: string, target: SpfTarget): Promise<DomainCheck['spf']> {
  const records = spfRecords(await dns.txt(domain));
  const serverHost = target && 'relayHost' in target ? target.relayHost : null;
  const base = { records, serverHost, serverAddresses: [] as string[], results: {} as Record<string, SpfResult>, covers: null as boolean | null };
  if (!records.length) {
    return { ...base, status: 'fail', explanation: `${domain} publishes no SPF record: receivers cannot tell which servers may send for it, and mail is more likely to land in spam.`, hint: `Publish a TXT record at ${domain}: "v=spf1 ${serverHost ? relayMechanism(serverHost) : 'mx'} ~all"${serverHost && PROVIDER_SPF.some((p) => p.host.test(serverHost)) ? '' : " (add your provider's include:…)"}.` };
  }
  if (records.length > 1) {
    return { ...base, status: 'fail', explanation: `${domain} publishes ${records.length} SPF records; RFC 7208 makes that an error (permerror), so SPF fails for every message.`, hint: 'Merge them into one "v=spf1 …" record.' };
  }
  const all = spfAll(records[0]);
  if (all === '+all') {
    return { ...base, status: 'fail', explanation: 'The record ends in "+all": it authorises every server on the internet to send as this domain.', hint: 'End the record with "~all" or "-all".' };
  }
  if (target && 'direct' in target) return checkDirectSpf(dns, domain, base, target.direct, all);
  if (!serverHost) {
    return { ...base, status: 'pass', explanation: `SPF record found; servers not listed get "${all ?? 'neutral'}". Give accountId to check it covers that account's server.` };
  }
  const provider = PROVIDER_SPF.find((p) => p.host.test(serverHost));
  if (provider && new RegExp(`(^|\\s)[+]?include:${provider.include.replace(/\./g, '\\.')}(\\s|$)`, 'i').test(records[0])) {
    return { ...base, covers: true, status: 'pass', explanation: `The record includes ${provider.include}, which covers ${provider.name}'s outgoing servers (${serverHost} is ${provider.name}).` };
  }
  const addresses = parseIp(serverHost) ? [serverHost] : await dns.addresses(serverHost);
  const results: Record<string, SpfResult> = {};
  for (const ip of addresses) results[ip] = await evaluateSpf(dns, domain, ip);
  const covers = addresses.length > 0 && addresses.every((ip) => results[ip] === 'pass');
  const out = { ...base, serverAddresses: addresses, results, covers };
  if (covers) return { ...out, status: 'pass', explanation: `The SPF record authorises ${serverHost} (${addresses.join(', ')}).` };
  const unknown = Object.values(results).includes('unknown');
  return {
    ...out,
    status: unknown ? 'warn' : 'fail',
    explanation: unknown
      ? `The record uses mechanisms this check cannot evaluate (macros, ptr or exists); whether it covers ${serverHost} is unknown.`
      : `The SPF record does not authorise ${serverHost} (${addresses.join(', ') || 'no address'}): the result is ${Object.values(results).join('/') || 'none'}, so receivers may reject or spam-folder the mail.`,
    hint: provider
      ? `Add "include:${provider.include}" to the record.`
      : parseIp(serverHost)
        ? `Add "${relayMechanism(serverHost)}" before the "all" of the record.`
        : `Add "a:${serverHost}"${addresses.length ? ` or "${spfMechanisms(addresses)}"` : ''} before the "all" of the record.`,
  };
}

/** A direct server sends from this machine: SPF must cover the public addresses its settings give. */
async function checkDirectSpf(dns: DnsLookup, domain: string, base: Omit<DomainCheck['spf'], 'status' | 'explanation' | 'hint'>, addresses: string[], all: string | null): Promise<DomainCheck['spf']> {
  if (!addresses.length) {
    return { ...base, status: 'warn', explanation: `SPF record found; servers not listed get "${all ?? 'neutral'}". The account's server delivers directly, and without its public addresses (smtp.direct.publicAddresses) SPF cannot be checked against this machine.`, hint: 'Give the server the addresses exchangers see Mailroom connect from (Mail servers → EHLO name and public addresses).' };
  }
  const results: Record<string, SpfResult> = {};
  for (const ip of addresses) results[ip] = await evaluateSpf(dns, domain, ip);
  const missing = addresses.filter((ip) => results[ip] !== 'pass');
  const out = { ...base, serverAddresses: addresses, results, covers: missing.length === 0 };
  if (!missing.length) return { ...out, status: 'pass', explanation: `The SPF record authorises this machine's public address${addresses.length > 1 ? 'es' : ''} ${addresses.join(', ')}.` };
  const unknown = missing.some((ip) => results[ip] === 'unknown');
  return {
    ...out,
    status: unknown ? 'warn' : 'fail',
    explanation: unknown
      ? 'The record uses mechanisms this check cannot evaluate (macros, ptr or exists); whether it covers this machine is unknown.'
      : `The SPF record does not authorise this machine's public address${missing.length > 1 ? 'es' : ''} ${missing.map((ip) => `${ip} (${results[ip]})`).join(', ')}: receivers may reject or spam-folder its direct mail.`,
    hint: `Add "${spfMechanisms(missing)}" before the "all" of the record.`,
  };
}

async function checkDkim(dns: DnsLookup, domain: string, selector: string | null, configured: string | null): Promise<DomainCheck['dkim']> {
  if (!selector) {
    return { status: 'warn', records: [], selector: null, name: null, matchesConfiguredKey: null, explanation: `No DKIM selector is known for ${domain}: Mailroom has no key for it and none was given.`, hint: `Create a key for ${domain} (Domains in the admin UI, PUT /api/v1/dkim/${domain} in the API) and publish its record; if your provider signs for you, check with its DKIM selector instead.` };
  }
  const name = `${selector}._domainkey.${domain}`;
  const records = (await dns.txt(name)).filter((t) => /(^|;)\s*p=/i.test(t));
  const base = { records, selector, name };
  if (!records.length) {
    return { ...base, status: 'fail', matchesConfiguredKey: configured ? false : null, explanation: `There is no DKIM record at ${name}, so signatures with selector "${selector}" cannot be verified.`, hint: configured ? `Publish the TXT record of Mailroom's key at ${name}: Domains in the admin UI shows its name and value with Copy buttons (GET /api/v1/dkim/${domain} in the API).` : `Publish your provider's DKIM record at ${name}.` };
  }
  const tags = Object.fromEntries(records[0].split(';').map((kv) => kv.trim().split('=')).filter((kv) => kv.length >= 2).map(([k, ...v]) => [k.trim().toLowerCase(), v.join('=').replace(/\s+/g, '')]));
  if (!tags.p) {
    return { ...base, status: 'fail', matchesConfiguredKey: configured ? false : null, explanation: `The DKIM record at ${name} has an empty p=: the key is revoked.`, hint: 'Publish a current key, or sign with another selector.' };
  }
  if (configured !== null && tags.p !== configured) {
    return { ...base, status: 'fail', matchesConfiguredKey: false, explanation: `The key published at ${name} is not the key Mailroom signs with, so Mailroom's signatures fail verification.`, hint: `Replace the record at ${name} with the one Mailroom gives for ${domain}: Domains in the admin UI shows it with Copy buttons (GET /api/v1/dkim/${domain} in the API).` };
  }
  return { ...base, status: 'pass', matchesConfiguredKey: configured !== null ? true : null, explanation: `A DKIM key (${tags.k ?? 'rsa'}) is published at ${name}${configured ? ' and matches the key Mailroom signs with' : ''}.` };
}

async function checkDmarc(dns: DnsLookup, domain: string): Promise<DomainCheck['dmarc']> {
  // Without a record of its own, a subdomain falls under its organisational domain's policy.
  const labels = domain.split('.');
  for (let i = 0; i + 2 <= labels.length; i++) {
    const at = labels.slice(i).join('.');
    const name = `_dmarc.${at}`;
    const records = (await dns.txt(name)).filter((t) => /^v=DMARC1(\s*;|$)/i.test(t.trim()));
    if (!records.length) continue;
    const tags = Object.fromEntries(records[0].split(';').map((kv) => kv.trim().split('=')).filter((kv) => kv.length === 2).map(([k, v]) => [k.trim().toLowerCase(), v.trim()]));
    const policy = (at === domain ? tags.p : (tags.sp ?? tags.p))?.toLowerCase() ?? null;
    const base = { records, name, policy };
    const inherited = at === domain ? '' : ` (inherited from ${at})`;
    if (records.length > 1) return { ...base, status: 'fail', explanation: `${name} has several DMARC records; receivers then ignore DMARC entirely.`, hint: 'Keep exactly one.' };
    if (policy === 'reject' || policy === 'quarantine') {
      return { ...base, status: 'pass', explanation: `DMARC policy "${policy}"${inherited}: mail failing SPF and DKIM alignment is ${policy === 'reject' ? 'refused' : 'sent to spam'}${tags.rua ? `; reports go to ${tags.rua}` : ''}.` };
    }
    if (policy === 'none') {
      return { ...base, status: 'warn', explanation: `DMARC policy "none"${inherited}: receivers only report, they do not act on failures.`, hint: 'Once reports show your mail passes, move to p=quarantine, then p=reject.' };
    }
    return { ...base, status: 'fail', explanation: `The DMARC record at ${name} has no valid p= tag, so receivers ignore it.`, hint: 'Set p=none, quarantine or reject.' };
  }
  return {
    status: 'warn',
    records: [],
    name: `_dmarc.${domain}`,
    policy: null,
    explanation: `${domain} publishes no DMARC policy. Gmail and Yahoo require one from bulk senders, and without it anyone can spoof the domain unnoticed.`,
    hint: `Publish a TXT record at _dmarc.${domain}: "v=DMARC1; p=none; rua=mailto:dmarc@${domain}", then tighten the policy.`,
  };
}

/** GET /domains/:domain/check: MX, SPF (covering the account's server), DKIM and DMARC, each explained. */
export async function checkDomain(ctx: CoreContext, dns: DnsLookup, principal: Principal, domainIn: string, query: { selector?: unknown; accountId?: unknown }): Promise<DomainCheck> {
  requirePermission(principal, 'admin');
  const domain = normalizeDkimDomain(domainIn);
  const given = optStr('selector', query.selector, { max: 63 })?.toLowerCase();
  if (given && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(given)) throw invalid('selector', 'must be DNS labels, e.g. "google" or "s1"');
  const accountId = optStr('accountId', query.accountId, { max: 100 });
  const repos = ctx.store.repos;
  let target: SpfTarget = null;
  if (accountId) {
    const account = await repos.accounts.get(accountId);
    if (!account) throw notFound('account', accountId);
    const smtp = (await repos.servers.get(account.serverId))?.smtp;
    // A direct server has no relay host: SPF must cover this machine's own addresses, which only the admin knows.
    if (smtp) target = isDirect(smtp) ? { direct: smtp.direct?.publicAddresses ?? [] } : smtp.host ? { relayHost: smtp.host } : null;
  }
  const serverHost = target && 'relayHost' in target ? target.relayHost : null;
  const key = await repos.dkimKeys.get(domain);
  const selector = given ?? key?.selector ?? null;
  const configured = key && key.selector === selector ? key.publicKey : null;
  const [mx, spf, dkim, dmarc] = await Promise.all([
    guarded(() => checkMx(dns, domain), {}),
    guarded(() => checkSpf(dns, domain, target), { covers: null, serverHost, serverAddresses: [], results: {} }),
    guarded(() => checkDkim(dns, domain, selector, configured), { selector, name: null, matchesConfiguredKey: null }),
    guarded(() => checkDmarc(dns, domain), { policy: null, name: null }),
  ]);
  return { domain, ok: [mx, spf, dkim, dmarc].every((c) => c.status !== 'fail'), mx, spf, dkim, dmarc };
}
