import { ENCRYPTION_OPTIONS } from './SecurityFields.js';

/** The server form's names for the API's `security` values, as its *Encryption* choices show them. */
const LABELS: Record<string, string> = Object.fromEntries(ENCRYPTION_OPTIONS.map((o) => [o.value, o.label]));
const VALUE = '"(none|starttls|tls)"';

/**
 * A text from the API about a server's encryption in the words the server form uses. The API
 * speaks to its own clients too (`server "Relay" uses security "none": … set its security to
 * "starttls" or "tls" first`, a diagnostic's `(security "none")`, `Set security to "tls"`), so
 * the UI says it its own way rather than the server saying it twice: *No encryption*,
 * *STARTTLS*, *Implicit TLS (SSL)*, the choices the admin will look for on the server's page.
 * An account's refusal and a connection test's steps both read it through here.
 */
export function encryptionInWords(text: string): string;
export function encryptionInWords(text: string | null): string | null;
export function encryptionInWords(text: string | undefined): string | undefined;
export function encryptionInWords(text: string | null | undefined): string | null | undefined {
  // Only a text about the setting: a quoted "none" elsewhere is someone else's word.
  if (!text || !/\bsecurity\b/i.test(text)) return text;
  const label = (_m: string, v: string) => LABELS[v] as string;
  return text
    .replace(new RegExp(`\\(security ${VALUE}\\)`, 'g'), (_m, v: string) => `(its Encryption setting is “${LABELS[v]}”)`)
    .replace(new RegExp(`\\buses security ${VALUE}`, 'g'), (_m, v: string) => `is set to ${LABELS[v]}`)
    .replace(/\bset its security to\b/g, 'set its Encryption (under Mail servers) to')
    .replace(new RegExp(`\\b(S|s)et security to ${VALUE}`, 'g'), (_m, s: string, v: string) => `${s}et Encryption to ${LABELS[v]}`)
    .replace(new RegExp(`\\bsecurity ${VALUE}`, 'g'), (_m, v: string) => `Encryption ${LABELS[v]}`)
    .replace(new RegExp(VALUE, 'g'), label);
}
