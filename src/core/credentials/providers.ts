import { createPrivateKey, X509Certificate } from 'node:crypto';
import { invalid } from '../kernel/errors.js';
import { hasControlChars } from '../kernel/header-safety.js';
import { doc, int, onlyKeys, oneOf, optStr, str, type Doc, label } from '../kernel/validate.js';
import { PROVIDER_KINDS, type ProviderKind } from './references.js';

/**
 * A secret provider: a vault Mailroom reads SMTP passwords (and OAuth2 client secrets) from.
 * `config` is what an admin may see again; `credentials` (a token, a client secret, a private
 * key) are write-only and stored encrypted like account passwords.
 */
export interface ProviderCache {
  /** A value read less than this long ago is used without asking the provider again. */
  cacheTtlSec: number;
  /** While the provider fails, a value read less than this long ago is still used (stale-if-error). */
  staleIfErrorSec: number;
  /** Total time for one request to the provider. */
  timeoutSec: number;
}

export interface VaultConfig extends ProviderCache {
  /** https://vault.example.com:8200 */
  address: string;
  /** The KV version 2 engine's mount path ("secret" by default). */
  mount: string;
  /** Vault Enterprise namespace (X-Vault-Namespace), if any. */
  namespace: string | null;
  auth: 'token' | 'approle';
  /** Where the AppRole auth method is mounted ("approle" by default). */
  approleMount: string;
  caCertificate: string | null;
}

export interface AzureKeyVaultConfig extends ProviderCache {
  /** https://<vault-name>.vault.azure.net */
  vaultUrl: string;
  tenantId: string;
  clientId: string;
  /** The Microsoft identity platform (another cloud: https://login.microsoftonline.us …). */
  authorityHost: string;
  caCertificate: string | null;
}

export interface CyberArkConfig extends ProviderCache {
  /** The Central Credential Provider's base URL, e.g. https://ccp.example.com */
  baseUrl: string;
  appId: string;
  /** The application's client certificate (PEM); its private key is a credential. */
  clientCertificate: string;
  caCertificate: string | null;
}

export type ProviderConfig = VaultConfig | AzureKeyVaultConfig | CyberArkConfig;

/** The write-only part, by kind and auth method. */
export type ProviderCredentials = { token: string } | { roleId: string; secretId: string } | { clientSecret: string } | { clientKey: string };

export interface SecretProvider {
  id: string;
  name: string;
  kind: ProviderKind;
  config: ProviderConfig;
  /** Which credential fields are stored (names only, never values). */
  credentialsSet: string[];
  createdAt: number;
  updatedAt: number;
  version: number;
}

export interface StoredSecretProvider extends SecretProvider {
  credentialsSecretId: string | null;
}

export const PROVIDER_DEFAULTS = { cacheTtlSec: 300, staleIfErrorSec: 3600, timeoutSec: 10 } as const;

const PEM_CERT = /^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/;
const PEM_KEY = /^-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+-----END (RSA |EC |ENCRYPTED )?PRIVATE KEY-----\s*$/;

/** Secrets travel to the provider only over TLS: an http:// URL is refused, not downgraded to. */
function httpsUrl(field: string, v: unknown): string {
  const s = str(field, v, { max: 500 }).trim();
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw invalid(field, `"${s}" is not a URL`);
  }
  if (u.protocol !== 'https:') throw invalid(field, 'must be an https:// URL: credentials and secrets never cross the network in plain text');
  if (u.username || u.password || u.search || u.hash) throw invalid(field, 'must not carry a user, password, query or fragment');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function pem(field: string, v: unknown, shape: RegExp, what: string): string {
  const s = str(field, v, { max: 20_000 });
  if (!shape.test(s.trim())) throw invalid(field, `must be a PEM ${what}`);
  return s.trim() + '\n';
}

function optPem(field: string, v: unknown): string | null {
  return v === undefined || v === null || v === '' ? null : pem(field, v, PEM_CERT, 'certificate (-----BEGIN CERTIFICATE-----)');
}

const SEGMENT = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
function mountPath(field: string, v: unknown, dflt: string): string {
  if (v === undefined || v === null || v === '') return dflt;
  const s = str(field, v, { max: 200 }).replace(/^\/+|\/+$/g, '');
  if (!SEGMENT.test(s) || s.split('/').includes('..')) throw invalid(field, 'must be a mount path such as "secret" or "kv/prod"');
  return s;
}

/** Names Vault itself reserves: no namespace can be called one of these (Vault Enterprise, "Namespace naming restrictions"). */
const RESERVED_NAMESPACE_NAMES = ['root', 'sys', 'audit', 'auth', 'cubbyhole', 'identity'];
const NAMESPACE_FORM = 'a Vault namespace path is one or more namespace names separated by single "/", e.g. "team" or "team/sub"';

/**
 * The first thing that keeps `path` from being a namespace path Vault can know and an HTTP
 * header can carry, or undefined. Vault's own rule: no name holds a space or is a reserved word.
 * Mailroom adds what the X-Vault-Namespace header and a path need: one line of printable ASCII
 * (Node refuses to send anything else, and every read would then look like an outage), and no
 * empty, "." or ".." name (a path trick, never a namespace's name). Nothing stricter: Vault
 * documents no other limit on a name's characters.
 */
export function namespaceFault(path: string): string | undefined {
  if (hasControlChars(path)) return 'contains a control character (a line break, a tab …)';
  if (/\s/.test(path)) return 'contains a space: Vault namespace names cannot';
  const foreign = /[^\x21-\x7e]/.exec(path);
  if (foreign) return `contains "${foreign[0]}": the X-Vault-Namespace header carries ASCII only`;
  for (const name of path.split('/')) {
    if (name === '') return 'has an empty name (a doubled "/", or only "/")';
    if (name === '.' || name === '..') return `has a "${name}" name: a namespace path names namespaces, it does not move between them`;
    if (RESERVED_NAMESPACE_NAMES.includes(name)) return `has the name "${name}", reserved by Vault (${RESERVED_NAMESPACE_NAMES.join(', ')}): no namespace can have it (for the root namespace, leave namespace out)`;
  }
  return undefined;
}

/**
 * A Vault Enterprise namespace, or null for none. One leading and one trailing "/" are dropped,
 * as Vault drops them (its own answers write "team/sub/"); what remains is checked name by name.
 */
function vaultNamespace(field: string, v: unknown): string | null {
  const given = optStr(field, v, { max: 200 });
  if (given === undefined) return null;
  const path = given.replace(/^\//, '').replace(/\/$/, '');
  const fault = namespaceFault(path);
  if (fault) throw invalid(field, `${fault}; ${NAMESPACE_FORM}`);
  return path;
}

/** Azure tenant ids are GUIDs or verified domain names; client ids are GUIDs. */
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const TENANT = /^([0-9a-fA-F-]{36}|[A-Za-z0-9.-]{1,253})$/;

function cache(d: Doc, prev: Partial<ProviderCache>): ProviderCache {
  const pick = (k: keyof ProviderCache, min: number, max: number) => (d[k] === undefined ? (prev[k] ?? PROVIDER_DEFAULTS[k]) : int(`config.${k}`, d[k], min, max));
  const c = { cacheTtlSec: pick('cacheTtlSec', 1, 86_400), staleIfErrorSec: pick('staleIfErrorSec', 0, 7 * 86_400), timeoutSec: pick('timeoutSec', 1, 60) };
  if (c.staleIfErrorSec !== 0 && c.staleIfErrorSec < c.cacheTtlSec) throw invalid('config.staleIfErrorSec', `must be 0 (off) or at least cacheTtlSec (${c.cacheTtlSec})`);
  return c;
}

const CACHE_KEYS = ['cacheTtlSec', 'staleIfErrorSec', 'timeoutSec'];
const CONFIG_KEYS: Record<ProviderKind, string[]> = {
  vault: ['address', 'mount', 'namespace', 'auth', 'approleMount', 'caCertificate', ...CACHE_KEYS],
  'azure-keyvault': ['vaultUrl', 'tenantId', 'clientId', 'authorityHost', 'caCertificate', ...CACHE_KEYS],
  cyberark: ['baseUrl', 'appId', 'clientCertificate', 'caCertificate', ...CACHE_KEYS],
};

/** Validates a kind's config; a patch names only what changes (prev holds the rest). */
export function normalizeProviderConfig(kind: ProviderKind, input: unknown, prev?: ProviderConfig): ProviderConfig {
  const d = doc('config', input ?? {});
  onlyKeys('config', d, CONFIG_KEYS[kind]);
  const p = (prev ?? {}) as Record<string, unknown>;
  const get = (k: string) => (d[k] === undefined ? p[k] : d[k]);
  const required = (k: string, why: string) => {
    const v = get(k);
    if (v === undefined || v === null || v === '') throw invalid(`config.${k}`, `is required: ${why}`);
    return v;
  };
  const base = cache(d, p as Partial<ProviderCache>);
  switch (kind) {
    case 'vault':
      return {
        address: httpsUrl('config.address', required('address', "Vault's address, e.g. https://vault.example.com:8200")),
        mount: mountPath('config.mount', get('mount'), 'secret'),
        // Checked as given: a namespace stored by an earlier version is kept until it is changed.
        namespace: d.namespace === undefined ? ((p.namespace as string | null | undefined) ?? null) : vaultNamespace('config.namespace', d.namespace),
        auth: oneOf('config.auth', get('auth') ?? 'token', ['token', 'approle'] as const),
        approleMount: mountPath('config.approleMount', get('approleMount'), 'approle'),
        caCertificate: optPem('config.caCertificate', get('caCertificate')),
        ...base,
      };
    case 'azure-keyvault': {
      const tenantId = str('config.tenantId', required('tenantId', 'the directory (tenant) id of the app registration'), { max: 253 });
      if (!TENANT.test(tenantId)) throw invalid('config.tenantId', 'must be the tenant id (a GUID) or its domain name');
      const clientId = str('config.clientId', required('clientId', 'the application (client) id of the app registration'), { max: 36 });
      if (!GUID.test(clientId)) throw invalid('config.clientId', 'must be the application (client) id, a GUID');
      return {
        vaultUrl: httpsUrl('config.vaultUrl', required('vaultUrl', "the vault's URI, e.g. https://my-vault.vault.azure.net")),
        tenantId,
        clientId,
        authorityHost: httpsUrl('config.authorityHost', get('authorityHost') ?? 'https://login.microsoftonline.com'),
        caCertificate: optPem('config.caCertificate', get('caCertificate')),
        ...base,
      };
    }
    case 'cyberark':
      return {
        baseUrl: httpsUrl('config.baseUrl', required('baseUrl', 'the Central Credential Provider, e.g. https://ccp.example.com')),
        appId: str('config.appId', required('appId', 'the application id defined in CyberArk'), { max: 200 }),
        clientCertificate: pem('config.clientCertificate', required('clientCertificate', 'CCP authenticates Mailroom by its client certificate'), PEM_CERT, 'certificate (-----BEGIN CERTIFICATE-----)'),
        caCertificate: optPem('config.caCertificate', get('caCertificate')),
        ...base,
      };
  }
}

/** The credential fields each kind (and Vault auth method) takes. */
export function credentialFields(kind: ProviderKind, config: ProviderConfig): string[] {
  if (kind === 'vault') return (config as VaultConfig).auth === 'approle' ? ['roleId', 'secretId'] : ['token'];
  return kind === 'azure-keyvault' ? ['clientSecret'] : ['clientKey'];
}

/**
 * CyberArk's client key: a PEM private key Node can load without a passphrase (Mailroom has
 * none to give), belonging to the configured client certificate. Either fault would otherwise
 * show only at the first read, as a TLS failure reaching the provider.
 */
function clientKey(v: unknown, certificate: string): string {
  const key = pem('credentials.clientKey', v, PEM_KEY, 'private key (-----BEGIN PRIVATE KEY-----), unencrypted');
  let loaded;
  try {
    loaded = createPrivateKey(key);
  } catch {
    const encrypted = /ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(key);
    throw invalid('credentials.clientKey', encrypted ? 'is encrypted: Mailroom has no passphrase to open it; give it unencrypted (openssl pkey -in key.pem -out key-plain.pem)' : 'is not a private key Mailroom can read');
  }
  let matches = false;
  try {
    matches = new X509Certificate(certificate).checkPrivateKey(loaded);
  } catch {
    // A certificate Node cannot parse: the key cannot be its key.
  }
  if (!matches) throw invalid('credentials.clientKey', 'is not the key of config.clientCertificate: give the private key the certificate was made for');
  return key;
}

/** Validates the write-only credentials: all fields of the kind, each non-empty and single-line (a PEM key excepted). */
export function normalizeCredentials(kind: ProviderKind, config: ProviderConfig, input: unknown): ProviderCredentials {
  const d = doc('credentials', input);
  const fields = credentialFields(kind, config);
  onlyKeys('credentials', d, fields);
  const out: Record<string, string> = {};
  for (const f of fields) {
    if (d[f] === undefined) throw invalid(`credentials.${f}`, `is required for ${kind}${kind === 'vault' ? ` with auth "${(config as VaultConfig).auth}"` : ''}`);
    if (f === 'clientKey') out[f] = clientKey(d[f], (config as CyberArkConfig).clientCertificate);
    else {
      const v = str(`credentials.${f}`, d[f], { max: 4000 });
      if (hasControlChars(v)) throw invalid(`credentials.${f}`, 'must be one line without control characters');
      out[f] = v;
    }
  }
  return out as ProviderCredentials;
}

/** Where credentials are sent: changing one of these needs the credentials typed again. */
const ENDPOINT_KEYS = ['address', 'namespace', 'approleMount', 'vaultUrl', 'tenantId', 'clientId', 'authorityHost', 'baseUrl', 'appId', 'clientCertificate'];

export const PROVIDER_FIELDS = ['name', 'kind', 'config', 'credentials', 'version'] as const;

export interface ProviderInput {
  name: string;
  kind: ProviderKind;
  config: ProviderConfig;
  /** undefined: keep the stored ones. */
  credentials: ProviderCredentials | undefined;
}

/** Validates a provider as created (no prev) or patched (given fields replace stored ones; kind is fixed). */
export function normalizeProviderInput(input: unknown, prev?: SecretProvider): ProviderInput {
  const d = doc('secret provider', input);
  onlyKeys('secret provider', d, PROVIDER_FIELDS);
  if (prev && d.kind !== undefined && d.kind !== prev.kind) throw invalid('kind', 'cannot change: create a new provider of the other kind');
  const kind = prev ? prev.kind : oneOf('kind', d.kind, PROVIDER_KINDS);
  const name = d.name === undefined && prev ? prev.name : label('name', d.name);
  const config = normalizeProviderConfig(kind, d.config, prev?.config);
  const authChanged = prev && kind === 'vault' && (prev.config as VaultConfig).auth !== (config as VaultConfig).auth;
  if (!prev && d.credentials === undefined) throw invalid('credentials', `are required: ${credentialFields(kind, config).join(', ')}`);
  if (authChanged && d.credentials === undefined) throw invalid('credentials', `are required when the auth method changes: ${credentialFields(kind, config).join(', ')}`);
  // Re-pointing a provider must not carry its stored credentials to a new address (credential harvesting).
  const moved = prev && ENDPOINT_KEYS.some((k) => JSON.stringify((prev.config as unknown as Doc)[k]) !== JSON.stringify((config as unknown as Doc)[k]));
  if (moved && d.credentials === undefined) throw invalid('credentials', `are required again when the provider's address, tenant or client changes (${ENDPOINT_KEYS.filter((k) => k in config).join(', ')}): the stored ones are never sent somewhere new`);
  const credentials = d.credentials === undefined ? undefined : normalizeCredentials(kind, config, d.credentials);
  return { name, kind, config, credentials };
}

/** The provider as the API shows it: no credentials, no storage id. */
export function publicProvider(p: StoredSecretProvider): SecretProvider {
  const { credentialsSecretId: _hidden, ...rest } = p;
  return rest;
}

/** Which kinds can list what they hold (the account form's picker). CyberArk's CCP cannot. */
export const LISTABLE_KINDS: readonly ProviderKind[] = ['azure-keyvault', 'vault'];
