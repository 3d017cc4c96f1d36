import { inCidr, parseCidr, parseIp } from './network-policy.js';

/** What the domain check needs from DNS; "no such record" is an empty list, other failures throw. */
export interface DnsLookup {
  txt(name: string): Promise<string[]>;
  mx(name: string): Promise<{ exchange: string; priority: number }[]>;
  /** A and AAAA records. */
  addresses(name: string): Promise<string[]>;
}

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'unknown';

const QUALIFIER: Record<string, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

/** RFC 7208 §4.6.4: at most 10 mechanisms that cost a DNS lookup. */
const MAX_LOOKUPS = 10;

export function spfRecords(txt: string[]): string[] {
  return txt.filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
}

interface Walk {
  lookups: number;
  notes: string[];
}

function cidrMatch(ip: string, base: string, v4len?: string, v6len?: string): boolean {
  const parsed = parseIp(ip);
  if (!parsed) return false;
  const len = parsed.version === 4 ? v4len : v6len;
  const cidr = parseCidr(len ? `${base}/${len}` : base);
  return cidr ? inCidr(parsed, cidr) : false;
}

async function matchesAny(dns: DnsLookup, name: string, ip: string, v4len?: string, v6len?: string): Promise<boolean> {
  for (const a of await dns.addresses(name)) if (cidrMatch(ip, a, v4len, v6len)) return true;
  return false;
}

/**
 * Evaluates `ip` against the SPF policy of `domain` (RFC 7208, without macros, ptr and exists:
 * those give "unknown"). Enough to answer "does this record cover our server?".
 */
export async function evaluateSpf(dns: DnsLookup, domain: string, ip: string, walk: Walk = { lookups: 0, notes: [] }): Promise<SpfResult> {
  const records = spfRecords(await dns.txt(domain));
  if (records.length === 0) return 'none';
  if (records.length > 1) return 'permerror';
  const terms = records[0].trim().split(/\s+/).slice(1);
  let redirect: string | undefined;
  for (const term of terms) {
    const m = /^([+?~-]?)([a-z0-9]+)(?:[:=](.*))?$/i.exec(term);
    if (!m) return 'permerror';
    const qualifier = QUALIFIER[m[1] || '+'];
    const name = m[2].toLowerCase();
    const arg = m[3];
    if (arg?.includes('%')) {
      walk.notes.push(`${term} uses SPF macros, which this check does not expand`);
      return 'unknown';
    }
    // "a:host/24//64" → host, 24, 64
    const [target, v4len, v6len] = splitCidr(arg ?? '');
    switch (name) {
      case 'all':
        return qualifier;
      case 'ip4':
      case 'ip6':
        if (arg && cidrMatch(ip, arg)) return qualifier;
        break;
      case 'a':
        if (++walk.lookups > MAX_LOOKUPS) return 'permerror';
        if (await matchesAny(dns, target || domain, ip, v4len, v6len)) return qualifier;
        break;
      case 'mx': {
        if (++walk.lookups > MAX_LOOKUPS) return 'permerror';
        for (const mx of await dns.mx(target || domain)) if (await matchesAny(dns, mx.exchange, ip, v4len, v6len)) return qualifier;
        break;
      }
      case 'include': {
        if (!arg) return 'permerror';
        if (++walk.lookups > MAX_LOOKUPS) return 'permerror';
        const inner = await evaluateSpf(dns, arg, ip, walk);
        if (inner === 'pass') return qualifier;
        if (inner === 'none' || inner === 'permerror') return 'permerror';
        if (inner === 'unknown') return 'unknown';
        break;
      }
      case 'redirect':
        redirect = arg;
        break;
      case 'ptr':
      case 'exists':
        walk.notes.push(`the "${name}" mechanism is not evaluated by this check`);
        return 'unknown';
      default:
        // Unknown modifiers (exp=, custom) are ignored, as RFC 7208 §6 says.
        if (!term.includes('=')) return 'permerror';
    }
  }
  if (redirect) {
    if (++walk.lookups > MAX_LOOKUPS) return 'permerror';
    return evaluateSpf(dns, redirect, ip, walk);
  }
  return 'neutral';
}

function splitCidr(arg: string): [string | undefined, string | undefined, string | undefined] {
  const [head, v6] = arg.split('//');
  const [target, v4] = head.split('/');
  return [target || undefined, v4 || undefined, v6 || undefined];
}

/** The final "all" of a record, which says what happens to everyone not listed. */
export function spfAll(record: string): '+all' | '-all' | '~all' | '?all' | null {
  const m = /(^|\s)([+?~-]?)all(\s|$)/i.exec(record);
  if (!m) return null;
  return `${m[2] || '+'}all` as '+all' | '-all' | '~all' | '?all';
}

/**
 * Providers whose submission host is not the address that delivers outward: their SPF
 * include is what covers them, whatever the submission host resolves to.
 */
export const PROVIDER_SPF: { host: RegExp; include: string; name: string }[] = [
  { host: /(^|\.)(gmail|googlemail|google)\.com$/, include: '_spf.google.com', name: 'Google' },
  { host: /(^|\.)(office365|outlook)\.com$/, include: 'spf.protection.outlook.com', name: 'Microsoft 365' },
  { host: /(^|\.)sendgrid\.net$/, include: 'sendgrid.net', name: 'SendGrid' },
  { host: /(^|\.)mailgun\.org$/, include: 'mailgun.org', name: 'Mailgun' },
  { host: /(^|\.)postmarkapp\.com$/, include: 'spf.mtasv.net', name: 'Postmark' },
];
