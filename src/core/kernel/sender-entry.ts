import { parseMailbox } from './addresses.js';
import { ErrorCodes, invalid, MailroomError } from './errors.js';
import { assertHeaderSafe } from './header-safety.js';
import { str } from './validate.js';

/** A local part of wildcard characters only ("*", "%", "?"): a pattern, not an address. */
const WILDCARD_LOCAL = /^[*%?]+$/;

/**
 * An entry written as a pattern ("*@example.com", "@*.example.com", "%@example.com"). A "*", "%"
 * and "?" are legal in a local part, so the address parser takes such an entry, and it would be
 * stored as a literal address that no sender ever has: refused, saying what to write instead.
 */
function wildcardEntry(field: string, s: string, setting: string): MailroomError | undefined {
  const at = s.lastIndexOf('@');
  const local = at >= 0 ? s.slice(0, at) : s;
  const domain = at >= 0 ? s.slice(at + 1) : '';
  if (!s.includes('*') && !(local && WILDCARD_LOCAL.test(local))) return undefined;
  // The whole-domain form of the entry's own domain, when it names one ("*@Example.com" → "@example.com").
  const plain = /^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\.[a-z0-9-]+$/i.test(domain) ? `@${domain.toLowerCase()}` : '@example.com';
  return new MailroomError(
    ErrorCodes.VALIDATION,
    `${field}: "${s}" is a wildcard, which ${setting} does not take: write "${plain}" for a whole domain, or an exact address ("app${plain}"); subdomains are listed one by one`,
    { field, input: s },
  );
}

/**
 * One entry of a list of senders (an account's `aliases`, a relay credential's `allowedFrom`):
 * an exact address ("app@example.com") or a whole domain ("@example.com"), lower-cased, the
 * domain in ASCII. `setting` names the list in the refusal of a wildcard.
 */
export function senderEntry(field: string, v: unknown, setting: string): string {
  const s = str(field, v, { max: 320 }).trim();
  assertHeaderSafe(field, s);
  const wildcard = wildcardEntry(field, s, setting);
  if (wildcard) throw wildcard;
  if (s.startsWith('@')) {
    // A domain: checked by parsing a mailbox at it, so the rules are the address parser's own
    // (a refusal names the entry as written, not the probe address).
    let domain: string;
    try {
      domain = parseMailbox(field, `x${s}`).domain;
    } catch (err) {
      if (!(err instanceof MailroomError)) throw err;
      throw new MailroomError(err.code, `${field}: "${s}" is not a domain such as "@example.com" (a whole domain is "@" and its name; an address is written alone)`, { field, input: s });
    }
    return `@${domain}`;
  }
  const m = parseMailbox(field, s);
  if (m.name) throw invalid(field, 'give the address alone ("app@example.com"), without a display name');
  return m.address.toLowerCase();
}
