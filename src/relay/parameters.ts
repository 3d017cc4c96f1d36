import type { SmtpReply } from './replies.js';

/**
 * The MAIL FROM parameters of what the relay's EHLO answer offers: SIZE (RFC 1870), BODY
 * (8BITMIME, RFC 6152) and AUTH= (RFC 4954, inside an AUTH session). RCPT TO takes none: DSN's
 * NOTIFY and ORCPT are not offered.
 */
const OFFERED: Record<'mail' | 'rcpt', ReadonlySet<string>> = {
  mail: new Set(['SIZE', 'BODY', 'AUTH']),
  rcpt: new Set(),
};

/**
 * smtp-server accepts every parameter whatever its EHLO answer named, and the relay would
 * ignore it: REQUIRETLS mail would go on without TLS, NOTIFY=SUCCESS would never be answered,
 * SMTPUTF8 mail would be relayed as if it were ASCII. The first parameter not offered is
 * refused with 555 (RFC 5321 4.1.1.11: not recognised or not implemented), so the client knows.
 */
export function unofferedParameter(command: 'mail' | 'rcpt', args: unknown): SmtpReply | undefined {
  if (!args || typeof args !== 'object') return undefined;
  const name = Object.keys(args).find((key) => !OFFERED[command].has(key.toUpperCase()));
  if (name === undefined) return undefined;
  const verb = command === 'mail' ? 'MAIL FROM' : 'RCPT TO';
  return { code: 555, text: `5.5.4 ${verb} parameter ${name.toUpperCase().slice(0, 40)} is not supported by this relay (its EHLO answer does not offer it); send without it` };
}
