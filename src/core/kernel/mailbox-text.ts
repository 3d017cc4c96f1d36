/**
 * A display name that is one or more atoms (RFC 5322 atext, any non-ASCII letter as RFC 6532
 * allows) separated by single spaces goes out as it is; anything else — a comma, a dot, quotes,
 * brackets, "@" … — is a quoted string with `"` and `\` escaped, so the text parses back to the
 * same mailbox.
 */
const PLAIN_NAME = /^[\p{L}\p{M}\p{N}!#$%&'*+\-/=?^_`{|}~]+(?: [\p{L}\p{M}\p{N}!#$%&'*+\-/=?^_`{|}~]+)*$/u;

/**
 * The one text form of a mailbox: `local@domain`, `Name <local@domain>` or
 * `"Doe, John" <local@domain>`. What it writes, parseMailbox reads back to the same name and
 * address (names are stored and shown this way: a rule's fixed addresses, the email log).
 */
export function formatMailbox(m: { name?: string; address: string }): string {
  if (!m.name) return m.address;
  // Text that reads as an RFC 2047 encoded word (`=?utf-8?q?x?=`) is quoted too: a reader that
  // decodes encoded words leaves a quoted string alone, so the name stays the text it is.
  const name = PLAIN_NAME.test(m.name) && !m.name.includes('=?') ? m.name : `"${m.name.replace(/["\\]/g, '\\$&')}"`;
  return `${name} <${m.address}>`;
}
