/**
 * The SSRF guard of "test connection": which addresses a diagnostic may connect to.
 *
 * A diagnostic is a request to connect somewhere the caller chooses, so without a guard it
 * is a port scanner for the inside of the network and a way to reach cloud metadata
 * services. Mailroom resolves the host once, checks the address here, and connects to that
 * very address (no second lookup an attacker's DNS could answer differently).
 *
 * Pure: addresses are parsed here, without node:net, so the rules are unit-tested alone.
 */
import { ErrorCodes, MailroomError } from '../kernel/errors.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'reserved';

export interface ParsedIp {
  version: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: number[];
}

export interface Cidr {
  ip: ParsedIp;
  prefix: number;
}

export function parseIpv4(s: string): ParsedIp | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const p of parts) {
    // Only plain decimal: "0177.1" or "0x7f.1" are octal/hex tricks some parsers accept.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return { version: 4, bytes };
}

export function parseIpv6(input: string): ParsedIp | undefined {
  let s = input.replace(/^\[|\]$/g, '').toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/.test(s) || !s.includes(':')) return undefined;
  // An embedded IPv4 tail (::ffff:127.0.0.1) becomes two groups.
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4.bytes;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  const bytes: number[] = [];
  for (const g of all) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    bytes.push(n >> 8, n & 0xff);
  }
  if (tail.length) bytes.splice(12, 4, ...tail);
  return { version: 6, bytes };
}

export function parseIp(s: string): ParsedIp | undefined {
  return parseIpv4(s) ?? parseIpv6(s);
}

/** "10.0.0.0/8", "fd00::/8" or a bare address (a /32 or /128). */
export function parseCidr(s: string): Cidr | undefined {
  const [addr, len, ...extra] = s.trim().split('/');
  if (extra.length) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.version === 4 ? 32 : 128;
  if (len === undefined) return { ip, prefix: max };
  if (!/^[0-9]{1,3}$/.test(len) || Number(len) > max) return undefined;
  return { ip, prefix: Number(len) };
}

export function inCidr(ip: ParsedIp, cidr: Cidr): boolean {
  if (ip.version !== cidr.ip.version) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip.bytes[i] & mask) !== (cidr.ip.bytes[i] & mask)) return false;
  }
  return true;
}

const RANGES: [string, AddressClass][] = [
  // Metadata services first: they sit inside the link-local / ULA ranges below.
  ['169.254.169.254/32', 'metadata'],
  ['fd00:ec2::254/128', 'metadata'],
  ['0.0.0.0/8', 'unspecified'],
  ['127.0.0.0/8', 'loopback'],
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT, also Alibaba's metadata 100.100.100.200
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'reserved'],
  ['198.18.0.0/15', 'reserved'],
  ['198.51.100.0/24', 'reserved'],
  ['203.0.113.0/24', 'reserved'],
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'private'], // deprecated site-local
  ['ff00::/8', 'multicast'],
  ['2001:db8::/32', 'reserved'],
  ['3fff::/20', 'reserved'], // documentation (RFC 9637)
  ['100::/64', 'reserved'],
  // A local-use NAT64 prefix (RFC 8215): where the IPv4 address sits depends on the prefix length
  // its network chose, so it cannot be read back; the translator leads into that network.
  ['64:ff9b:1::/48', 'private'],
  ['2001::/32', 'reserved'], // Teredo: a tunnel, not a mail server's address
  ['2001:10::/28', 'reserved'], // ORCHID
  ['2001:20::/28', 'reserved'], // ORCHIDv2
  ['5f00::/16', 'reserved'], // SRv6 segment identifiers
];
const PARSED_RANGES = RANGES.map(([c, cls]) => [parseCidr(c)!, cls] as const);

/** IPv6 forms that carry an IPv4 address a packet may end up at: mapped, translated (SIIT), compatible, NAT64, 6to4. */
function embeddedIpv4(ip: ParsedIp): ParsedIp | undefined {
  if (ip.version !== 6) return undefined;
  const b = ip.bytes;
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return { version: 4, bytes: b.slice(12) };
  // IPv4-translated (SIIT, RFC 2765): ::ffff:0:a.b.c.d.
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return { version: 4, bytes: b.slice(12) };
  if (zero(0, 12) && !zero(12, 16) && !(zero(12, 15) && b[15] === 1)) return { version: 4, bytes: b.slice(12) };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12)) return { version: 4, bytes: b.slice(12) };
  if (b[0] === 0x20 && b[1] === 0x02) return { version: 4, bytes: b.slice(2, 6) };
  return undefined;
}

export function classifyIp(ip: ParsedIp): AddressClass {
  const v4 = embeddedIpv4(ip);
  if (v4) return classifyIp(v4);
  for (const [cidr, cls] of PARSED_RANGES) if (inCidr(ip, cidr)) return cls;
  return 'public';
}

export interface NetworkPolicy {
  /** Allow-listed ranges (MAILROOM_ALLOW_PRIVATE_HOSTS entries that are addresses or CIDRs). */
  cidrs: Cidr[];
  /** Allow-listed host names, lower case, as the admin types them. */
  hosts: string[];
}

/**
 * Builds the policy from `MAILROOM_ALLOW_PRIVATE_HOSTS` entries: CIDRs, addresses or host
 * names. Anything else is a configuration mistake worth failing on.
 */
export function compileNetworkPolicy(entries: readonly string[]): NetworkPolicy {
  const policy: NetworkPolicy = { cidrs: [], hosts: [] };
  for (const raw of entries) {
    const e = raw.trim().toLowerCase();
    if (!e) continue;
    const cidr = parseCidr(e);
    if (cidr) policy.cidrs.push(cidr);
    else if (/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/.test(e)) policy.hosts.push(e.replace(/\.$/, ''));
    else throw new MailroomError(ErrorCodes.CONFIG, `MAILROOM_ALLOW_PRIVATE_HOSTS: "${raw}" is neither an address, a CIDR range nor a host name`);
  }
  return policy;
}

export type TargetVerdict = { allowed: true; class: AddressClass } | { allowed: false; class: AddressClass };

/**
 * The ports a mail server listens on. A relay on the same machine or network is the normal
 * case (many products default their SMTP server to localhost), so diagnostics may reach a
 * loopback or private address on these ports without any configuration; what the guard keeps
 * out is the rest of an internal network (databases, admin consoles) and metadata services.
 */
export const MAIL_PORTS = { smtp: [25, 465, 587, 2525], imap: [143, 993] } as const;

/** What a diagnostic (or a webhook) wants to reach. */
export interface DiagnosticTarget {
  host: string;
  port: number;
  /** Mail ports of `smtp` and `imap` reach internal addresses; `http` (webhooks) has none. */
  protocol: 'smtp' | 'imap' | 'http';
  /** The host and port are a saved server's own (the admin configured them; delivery goes there anyway). */
  saved: boolean;
}

/** Address classes a mail port or a saved server may reach without an allow-list entry. */
const INTERNAL: readonly AddressClass[] = ['loopback', 'private'];

/**
 * May a diagnostic connect to `address` (the resolved IP) for what the admin asked?
 * Public addresses always; loopback and private addresses on a mail port or as a saved
 * server's own host and port; anything else (other ports, link-local, metadata, multicast)
 * only when the address or the host is allow-listed (MAILROOM_ALLOW_PRIVATE_HOSTS).
 */
export function checkTarget(policy: NetworkPolicy, target: DiagnosticTarget, address: string): TargetVerdict {
  const ip = parseIp(address);
  // Something that is not an address cannot be checked, so it is never connected to.
  if (!ip) return { allowed: false, class: 'reserved' };
  const cls = classifyIp(ip);
  if (cls === 'public') return { allowed: true, class: cls };
  const name = target.host.trim().toLowerCase().replace(/\.$/, '');
  if (policy.hosts.includes(name)) return { allowed: true, class: cls };
  if (policy.cidrs.some((c) => inCidr(ip, c) || (embeddedIpv4(ip) && inCidr(embeddedIpv4(ip)!, c)))) return { allowed: true, class: cls };
  if (INTERNAL.includes(cls) && (target.saved || (target.protocol !== 'http' && (MAIL_PORTS[target.protocol] as readonly number[]).includes(target.port)))) return { allowed: true, class: cls };
  return { allowed: false, class: cls };
}

/**
 * May direct delivery connect to `address`, an exchanger's resolved address? Public addresses
 * only, unless the address (or its range) is allow-listed: the MX records are the recipient
 * domain's to choose, so without this a hostile domain could point Mailroom's SMTP client at
 * a loopback service, the internal network or a cloud metadata endpoint. Host names in the
 * allow-list do not count here: the name is the hostile domain's choice, the address is not.
 */
export function checkExchanger(policy: NetworkPolicy, address: string): TargetVerdict {
  const ip = parseIp(address);
  if (!ip) return { allowed: false, class: 'reserved' };
  const cls = classifyIp(ip);
  if (cls === 'public') return { allowed: true, class: cls };
  const v4 = embeddedIpv4(ip);
  if (policy.cidrs.some((c) => inCidr(ip, c) || (v4 !== undefined && inCidr(v4, c)))) return { allowed: true, class: cls };
  return { allowed: false, class: cls };
}
