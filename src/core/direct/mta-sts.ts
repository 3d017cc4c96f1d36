/**
 * MTA-STS (RFC 8461): a domain publishes `_mta-sts.<domain>` TXT "v=STSv1; id=…" and a policy
 * at https://mta-sts.<domain>/.well-known/mta-sts.txt naming the exchangers that must present a
 * valid certificate for their name. Mode "enforce": no TLS, no delivery (defer); "testing":
 * deliver anyway, report; "none": no policy. Parsing and matching only; fetching is an adapter's.
 */
export type MtaStsMode = 'enforce' | 'testing' | 'none';

export interface MtaStsPolicy {
  /** The TXT record's id: a new id means a new policy to fetch. */
  id: string;
  mode: MtaStsMode;
  /** Exchanger patterns: "mx.example.com" or "*.example.com" (one left-most label). */
  mx: string[];
  maxAgeSec: number;
}

/** The id of a "v=STSv1; id=…" record; undefined when the TXT records hold no (single) valid one. */
export function mtaStsRecordId(txt: readonly string[]): string | undefined {
  const records = txt.filter((t) => /^v=STSv1\s*(;|$)/.test(t.trim()));
  // RFC 8461 §3.1: more than one STSv1 record means none.
  if (records.length !== 1) return undefined;
  const id = /(?:^|;)\s*id=([A-Za-z0-9]{1,32})\s*(;|$)/.exec(records[0])?.[1];
  return id;
}

/** Max age the RFC allows (one year); a policy says how long it may be cached. */
const MAX_AGE_CAP = 31_557_600;

/** Parses the policy file (RFC 8461 §3.2); throws with the reason when it is not a valid policy. */
export function parseMtaStsPolicy(id: string, body: string): MtaStsPolicy {
  const fields = new Map<string, string[]>();
  for (const line of body.split(/\r?\n/)) {
    const m = /^([A-Za-z0-9_]+):\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    const list = fields.get(m[1]) ?? [];
    list.push(m[2]);
    fields.set(m[1], list);
  }
  if (fields.get('version')?.[0] !== 'STSv1') throw new Error('the policy has no "version: STSv1" line');
  const mode = fields.get('mode')?.[0];
  if (mode !== 'enforce' && mode !== 'testing' && mode !== 'none') throw new Error(`the policy's mode is "${mode ?? ''}", not enforce, testing or none`);
  const age = Number(fields.get('max_age')?.[0]);
  if (!Number.isInteger(age) || age < 0) throw new Error('the policy has no valid max_age');
  const mx = (fields.get('mx') ?? []).map((p) => p.toLowerCase().replace(/\.$/, ''));
  if (mode !== 'none' && mx.length === 0) throw new Error('the policy names no mx');
  return { id, mode, mx, maxAgeSec: Math.min(age, MAX_AGE_CAP) };
}

/** Whether an exchanger's host name matches one of the policy's mx patterns (RFC 8461 §4.1). */
export function mxAllowedByPolicy(policy: MtaStsPolicy, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return policy.mx.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) && !h.slice(0, h.length - p.length + 1).includes('.') && h.length > p.length - 1 : h === p));
}
