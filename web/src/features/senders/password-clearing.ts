import type { ImapSettings, MailAccount, MailServer, SmtpSettings } from '../../api.js';
import { ENCRYPTION_OPTIONS } from './SecurityFields.js';

/**
 * Which changes of a saved server clear its accounts' stored passwords, in the form's words.
 *
 * The API's rule (PATCH /servers/:id, docs/api.md; serverChangeClearsPasswords in
 * src/core/senders/servers.ts): a password is only ever sent to the endpoint it was saved for,
 * so a change of SMTP's delivery mode, host, port or encryption clears them, and so does a change
 * of the IMAP section's host, port or encryption, or an IMAP section added on another host than
 * SMTP's. An IMAP section added on the SMTP host, or removed, keeps them. Host names are compared
 * as the API stores them: trimmed, lower-cased, without an IPv6 address's brackets.
 */
type Endpoint = { mode?: string; host?: string | null; port?: number; security?: string };

const hostOf = (h: string | null | undefined) => (h ?? '').trim().toLowerCase().replace(/^\[|\]$/g, '');

const SMTP_WORDS: Record<string, string> = Object.fromEntries(ENCRYPTION_OPTIONS.map((o) => [o.value, o.label]));
const IMAP_WORDS: Record<string, string> = { tls: 'Implicit TLS', starttls: 'STARTTLS', none: 'No encryption' };
const MODE_WORDS: Record<string, string> = { relay: 'through an SMTP relay', direct: "direct to each domain's MX" };

/** "the port (587 → 2525)": one changed setting, named as the form labels it. */
function change(what: string, before: string, after: string): string {
  return `${what} (${before || 'none'} → ${after || 'none'})`;
}

function endpointChanges(prefix: 'SMTP' | 'IMAP', before: Endpoint, after: Endpoint): string[] {
  const words = prefix === 'SMTP' ? SMTP_WORDS : IMAP_WORDS;
  const out: string[] = [];
  if ((before.mode ?? 'relay') !== (after.mode ?? 'relay')) out.push(change('the delivery', MODE_WORDS[before.mode ?? 'relay'] ?? '', MODE_WORDS[after.mode ?? 'relay'] ?? ''));
  if (hostOf(before.host) !== hostOf(after.host)) out.push(change(`the ${prefix} host`, hostOf(before.host), hostOf(after.host)));
  if (before.port !== after.port) out.push(change(prefix === 'SMTP' ? 'the port' : 'the IMAP port', String(before.port ?? ''), String(after.port ?? '')));
  if (before.security !== after.security) {
    out.push(change(prefix === 'SMTP' ? 'the encryption' : 'the IMAP encryption', words[before.security ?? ''] ?? before.security ?? '', words[after.security ?? ''] ?? after.security ?? ''));
  }
  return out;
}

/**
 * The changes from the saved `server` to `smtp` and `imap` (what a save would send; `imap`
 * undefined: the IMAP section is not sent, so it stays) that clear the accounts' stored
 * passwords, each in words; empty when the save keeps them. A direct server's mode change is
 * said once: its host and encryption are not settings of the form there.
 */
export function passwordClearingChanges(server: Pick<MailServer, 'smtp' | 'imap'>, smtp: Partial<SmtpSettings>, imap: ImapSettings | null | undefined): string[] {
  const before = server.smtp;
  const modeChanged = (before.mode ?? 'relay') !== (smtp.mode ?? 'relay');
  const out = modeChanged
    ? endpointChanges('SMTP', { mode: before.mode }, { mode: smtp.mode })
    : endpointChanges('SMTP', before, smtp.mode === 'direct' ? { ...smtp, host: '', security: 'starttls' } : smtp);
  const after = imap === undefined ? server.imap : imap;
  if (!after) return out;
  if (!server.imap) {
    if (hostOf(after.host) !== hostOf(smtp.mode === 'direct' ? '' : smtp.host)) out.push(`an IMAP section on another host (${hostOf(after.host) || 'none'}) than SMTP's`);
    return out;
  }
  return [...out, ...endpointChanges('IMAP', server.imap, after)];
}

/** "a, b and c". */
export function listInWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Whether a save that clears the server's passwords takes something of this account: its
 * password, or its OAuth2 client secret or refresh token (the API drops those too: a token must
 * not follow a re-pointed server), which then need entering or Connect again.
 */
export function holdsCredentials(a: MailAccount): boolean {
  return a.passwordSet || (a.auth.type === 'oauth2' && Boolean(a.auth.clientSecretSet || a.auth.refreshTokenSet));
}
