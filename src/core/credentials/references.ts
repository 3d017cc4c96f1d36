import { posix } from 'node:path';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import { hasControlChars } from '../kernel/header-safety.js';

/**
 * A secret reference as an account (or an OAuth2 client secret) stores it: where the value
 * lives, never the value. Parsed once here; the resolver and the validation read this result.
 */
export type SecretRef =
  | { kind: 'env'; name: string }
  | { kind: 'file'; path: string }
  | { kind: 'internal'; name: string }
  | { kind: 'azure-keyvault'; providerId: string; name: string; version: string | null }
  | { kind: 'cyberark'; providerId: string; safe: string; object: string }
  | { kind: 'vault'; providerId: string; path: string; field: string };

export type SecretRefKind = SecretRef['kind'];
export const REF_KINDS: readonly SecretRefKind[] = ['env', 'file', 'internal', 'azure-keyvault', 'cyberark', 'vault'];
/** The kinds read through a configured secret provider (secret-providers/:id). */
export type ProviderKind = 'azure-keyvault' | 'cyberark' | 'vault';
export const PROVIDER_KINDS: readonly ProviderKind[] = ['azure-keyvault', 'cyberark', 'vault'];

/** Internal secret names: what a person types and a URL path carries without escaping. */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
/** Azure Key Vault secret names: 1-127 letters, digits and dashes (Azure's own rule). */
const AZURE_NAME = /^[A-Za-z0-9-]{1,127}$/;
const AZURE_VERSION = /^[A-Za-z0-9]{1,64}$/;
/** CyberArk safe and object names: no slash, no control character. */
const cyberArkPart = (s: string | undefined): s is string => Boolean(s) && s!.length <= 200 && !s!.includes('/') && !hasControlChars(s!);
/** A Vault KV path: segments of safe characters, no "..", no leading slash. */
const VAULT_PATH = /^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/;
const VAULT_FIELD = /^[A-Za-z0-9_.@-]{1,200}$/;
const PROVIDER_ID = /^[A-Za-z0-9_]{1,40}$/;

/**
 * Mailroom's own secrets in its environment. A reference's value leaves the machine (to the
 * account's mail server, or an OAuth2 token URL), so naming one of these would let an admin
 * send the master key or the database password anywhere; or the deploy-time account's password,
 * which Mailroom sends only to the server it was deployed with (a new host clears it).
 */
export const MAILROOM_OWN_ENV = ['MAILROOM_SECRET_KEY', 'DATABASE_URL', 'MAILROOM_LISTEN_URL', 'MAILROOM_ADMIN_PASSWORD', 'MAILROOM_SMTP_PASSWORD'];
/** The kernel's files: /proc/self/environ holds the whole environment, the rest is no secret. */
const SYSTEM_FILES = /^\/+(proc|sys)(\/|$)/;

const EXAMPLES = '"env:SMTP_PASSWORD", "file:/run/secrets/smtp", "internal:smtp-relay", "azure-keyvault:<providerId>/<name>[/<version>]", "cyberark:<providerId>/<safe>/<object>" or "vault:<providerId>/<path>#<field>"';

function bad(field: string, message: string): MailroomError {
  return invalid(field, message);
}

/** Splits "<providerId>/<rest>" and checks the id's shape. */
function providerPart(field: string, kind: string, target: string): { providerId: string; rest: string } {
  const slash = target.indexOf('/');
  const providerId = slash < 0 ? target : target.slice(0, slash);
  if (!PROVIDER_ID.test(providerId) || slash < 0) throw bad(field, `${kind}: must be followed by the secret provider's id, a slash and the secret (e.g. ${kind}:spv_…/…)`);
  return { providerId, rest: target.slice(slash + 1) };
}

/** Parses what follows the provider id of a provider reference ("name/version", "safe/object", "path#field"). */
export function parseProviderTarget(field: string, kind: ProviderKind, providerId: string, rest: string): SecretRef {
  switch (kind) {
    case 'azure-keyvault': {
      const [name, version, ...more] = rest.split('/');
      if (!name || !AZURE_NAME.test(name) || more.length) throw bad(field, 'azure-keyvault: the secret name is 1-127 letters, digits or dashes, optionally followed by /<version>');
      if (version !== undefined && !AZURE_VERSION.test(version)) throw bad(field, 'azure-keyvault: the version is the 32-character id Key Vault shows (letters and digits)');
      return { kind, providerId, name, version: version ?? null };
    }
    case 'cyberark': {
      const [safe, object, ...more] = rest.split('/');
      if (!cyberArkPart(safe) || !cyberArkPart(object) || more.length) {
        throw bad(field, 'cyberark: name the safe and the object (account) as <safe>/<object>');
      }
      return { kind, providerId, safe, object };
    }
    case 'vault': {
      const hash = rest.lastIndexOf('#');
      const path = hash < 0 ? rest : rest.slice(0, hash);
      const fieldName = hash < 0 ? '' : rest.slice(hash + 1);
      if (!VAULT_PATH.test(path) || path.split('/').some((s) => s === '.' || s === '..')) throw bad(field, 'vault: the secret path is segments of letters, digits, "_", "-", "." or "@" separated by "/"');
      if (!VAULT_FIELD.test(fieldName)) throw bad(field, 'vault: end the reference with #<field>, the key inside the secret (e.g. #password)');
      return { kind, providerId, path, field: fieldName };
    }
  }
}

/**
 * Parses a reference, or throws MAILROOM_E_VALIDATION naming `field` and the accepted forms.
 * Pure syntax: whether the provider or internal secret exists is the service's check.
 */
export function parseSecretRef(field: string, ref: string): SecretRef {
  const colon = ref.indexOf(':');
  const kind = colon < 0 ? '' : ref.slice(0, colon);
  const target = ref.slice(colon + 1);
  if (!(REF_KINDS as readonly string[]).includes(kind)) throw bad(field, `must be one of ${EXAMPLES}`);
  if (target === '') throw bad(field, `names no secret after "${kind}:"`);
  if (hasControlChars(target)) throw bad(field, 'must not contain control characters');
  switch (kind as SecretRefKind) {
    case 'env':
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(target)) throw bad(field, 'env: must be followed by a variable name');
      if (MAILROOM_OWN_ENV.includes(target.toUpperCase())) throw bad(field, `${target} is Mailroom's own secret, not a password to send anywhere: it cannot be referenced`);
      return { kind: 'env', name: target };
    case 'file':
      if (!target.startsWith('/')) throw bad(field, 'file: must be followed by an absolute path');
      // However it is spelled ("/./proc", "/tmp/../proc"): links are the file reader's to follow.
      if (SYSTEM_FILES.test(posix.normalize(target))) throw bad(field, 'file: files under /proc and /sys are the system\'s, not secrets (/proc/self/environ is Mailroom\'s whole environment): they cannot be referenced');
      return { kind: 'file', path: target };
    case 'internal':
      if (!SECRET_NAME.test(target)) throw bad(field, 'internal: must be followed by a secret name (letters, digits, "_", "-", "."; see secrets)');
      return { kind: 'internal', name: target };
    default: {
      const { providerId, rest } = providerPart(field, kind, target);
      return parseProviderTarget(field, kind as ProviderKind, providerId, rest);
    }
  }
}

/** The reference written back as text (the form accounts store). */
export function formatSecretRef(ref: SecretRef): string {
  switch (ref.kind) {
    case 'env':
      return `env:${ref.name}`;
    case 'file':
      return `file:${ref.path}`;
    case 'internal':
      return `internal:${ref.name}`;
    case 'azure-keyvault':
      return `azure-keyvault:${ref.providerId}/${ref.name}${ref.version ? `/${ref.version}` : ''}`;
    case 'cyberark':
      return `cyberark:${ref.providerId}/${ref.safe}/${ref.object}`;
    case 'vault':
      return `vault:${ref.providerId}/${ref.path}#${ref.field}`;
  }
}

/** The provider id a reference reads through, if any. */
export function providerIdOf(ref: SecretRef): string | null {
  return ref.kind === 'azure-keyvault' || ref.kind === 'cyberark' || ref.kind === 'vault' ? ref.providerId : null;
}

/** A reference the store could not read: what failed, never the value. */
export function unresolved(ref: string, message: string, details: Record<string, unknown> = {}): MailroomError {
  return new MailroomError(ErrorCodes.SECRET_UNRESOLVED, `${subjectOf(ref)}: ${message}`, { ref, ...details });
}

/**
 * What an error is about: "secret reference <ref>", or an OAuth2 token's own subject
 * ("OAuth2 token for a@example.com"), which the token code passes as the ref.
 */
function subjectOf(ref: string): string {
  return ref.startsWith(OAUTH2_SUBJECT) ? ref : `secret reference ${ref}`;
}

export const OAUTH2_SUBJECT = 'OAuth2 token for ';
