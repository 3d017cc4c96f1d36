import { namespaceFault, type ProviderCredentials, type StoredSecretProvider, type VaultConfig } from '../../core/credentials/providers.js';
import type { SecretRef } from '../../core/credentials/references.js';
import { unresolved } from '../../core/credentials/references.js';
import type { ProviderAdapter } from './adapter.js';
import { refused, stringAt } from './adapter.js';
import { call, excerpt, providerAgent } from './http.js';
import type { SecretInput } from '../../core/kernel/redact-secrets.js';

/** Renew (or log in again) when less than this share of the token's lease is left. */
const RENEW_AT = 0.5;

interface Token {
  value: string;
  /** When the token expires (ms); null: Vault said it does not (a root or periodic token without TTL). */
  expiresAt: number | null;
  leaseMs: number;
  renewable: boolean;
}

/** Vault's `errors`, without `secrets` (Vault may quote the token it refused). */
function vaultErrors(json: unknown, secrets: readonly SecretInput[]): string {
  const errs = (json as { errors?: unknown[] } | undefined)?.errors;
  return Array.isArray(errs) ? excerpt(errs.join('; '), secrets) : '';
}

const HINTS: Record<number, string> = {
  400: 'Vault refused the request: check the AppRole role id and secret id.',
  403: "The token's policy does not allow reading this path (it needs \"read\" on <mount>/data/<path>), or the token or secret id expired.",
  404: 'No secret at this path in this KV version 2 mount (a KV version 1 mount answers 404 here too): check the mount and the path.',
  503: 'Vault is sealed or in standby: unseal it or point at the active node.',
};

/**
 * HashiCorp Vault, KV secrets engine version 2: `GET /v1/<mount>/data/<path>` with
 * X-Vault-Token. Token auth uses the configured token (renewed with renew-self when it is
 * renewable); AppRole logs in at `POST /v1/auth/<approle>/login` and renews or logs in again.
 */
export function vaultAdapter(provider: StoredSecretProvider, credentials: ProviderCredentials, now: () => number = Date.now): ProviderAdapter {
  const config = provider.config as VaultConfig;
  const agent = providerAgent({ caCertificate: config.caCertificate, timeoutSec: config.timeoutSec });
  const base = `${config.address}/v1`;
  const ns: Record<string, string> = config.namespace ? { 'x-vault-namespace': config.namespace } : {};
  // A namespace stored before it was checked at save (a line break, a space): said as the
  // setting to change, not as Vault being unreachable (the header could not even be sent).
  const nsFault = config.namespace ? namespaceFault(config.namespace) : undefined;
  let token: Token | null = null;
  let pending: Promise<Token> | null = null;
  // Everything that authenticates us to Vault: the configured token or AppRole pair, and the token in use.
  const own = (): SecretInput[] => [...Object.values(credentials as Record<string, string>), token?.value];

  const fromAuth = (ref: string, json: unknown): Token => {
    const auth = (json as { auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown } } | undefined)?.auth;
    const value = stringAt(ref, auth?.client_token, 'auth.client_token');
    const lease = typeof auth?.lease_duration === 'number' ? auth.lease_duration : 0;
    return { value, leaseMs: lease * 1000, expiresAt: lease > 0 ? now() + lease * 1000 : null, renewable: auth?.renewable === true };
  };

  async function login(ref: string): Promise<Token> {
    if (config.auth === 'token') {
      const given = (credentials as { token: string }).token;
      // lookup-self tells whether the token expires and may be renewed; a token without that permission is used as it is.
      const res = await call(agent, ref, { method: 'GET', url: `${base}/auth/token/lookup-self`, headers: { 'x-vault-token': given, ...ns }, timeoutSec: config.timeoutSec });
      if (res.status === 403) throw refused(ref, 'Vault (token lookup)', 403, vaultErrors(res.json, own()), 'The token is invalid or expired: create a new one and save it in the provider.');
      const data = (res.json as { data?: { ttl?: unknown; renewable?: unknown } } | undefined)?.data;
      const ttl = res.status === 200 && typeof data?.ttl === 'number' ? data.ttl : 0;
      return { value: given, leaseMs: ttl * 1000, expiresAt: ttl > 0 ? now() + ttl * 1000 : null, renewable: data?.renewable === true };
    }
    const { roleId, secretId } = credentials as { roleId: string; secretId: string };
    const res = await call(agent, ref, {
      method: 'POST',
      url: `${base}/auth/${config.approleMount}/login`,
      headers: { 'content-type': 'application/json', ...ns },
      body: JSON.stringify({ role_id: roleId, secret_id: secretId }),
      timeoutSec: config.timeoutSec,
    });
    if (res.status !== 200) throw refused(ref, 'Vault (AppRole login)', res.status, vaultErrors(res.json, own()), HINTS[res.status] ?? 'The AppRole login failed: check the auth mount, the role id and the secret id.');
    return fromAuth(ref, res.json);
  }

  async function renew(ref: string, t: Token): Promise<Token> {
    const res = await call(agent, ref, { method: 'POST', url: `${base}/auth/token/renew-self`, headers: { 'x-vault-token': t.value, 'content-type': 'application/json', ...ns }, body: '{}', timeoutSec: config.timeoutSec });
    if (res.status !== 200) return login(ref);
    const next = fromAuth(ref, res.json);
    // A renewal that gives less than asked (max TTL reached) is still a valid token until it ends.
    return { ...next, value: next.value || t.value };
  }

  async function currentToken(ref: string): Promise<Token> {
    const t = token;
    if (t && (t.expiresAt === null || t.expiresAt - now() > t.leaseMs * RENEW_AT)) return t;
    pending ??= (async () => {
      try {
        const next = t && t.renewable && t.expiresAt !== null && t.expiresAt > now() ? await renew(ref, t) : await login(ref);
        token = next;
        return next;
      } finally {
        pending = null;
      }
    })();
    return pending;
  }

  /**
   * The URL of `path` under the KV mount's `data/` or `metadata/`. Never one outside it, whatever
   * the caller checked: "." and ".." (which encodeURIComponent leaves as they are) and empty
   * segments are refused before anything is sent, and so is a URL that resolves elsewhere.
   */
  function kvUrl(ref: string, section: 'data' | 'metadata', path: string, folder = false): string {
    const segments = path === '' ? [] : path.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw unresolved(ref, 'the path has an empty, "." or ".." segment: it would lead outside the KV mount', { hint: 'Name the secret by its path inside the mount, e.g. mail/smtp.' });
    }
    const root = `${base}/${config.mount}/${section}/`;
    const url = root + segments.map(encodeURIComponent).join('/') + (folder && segments.length ? '/' : '');
    if (!new URL(url).pathname.startsWith(new URL(root).pathname)) throw unresolved(ref, 'the path leads outside the KV mount', { hint: 'Name the secret by its path inside the mount, e.g. mail/smtp.' });
    return url;
  }

  async function read(ref: string, url: string): Promise<{ status: number; json: unknown }> {
    if (nsFault) {
      throw unresolved(ref, `the provider's config.namespace ${nsFault}; Vault was not asked`, {
        hint: 'Correct the namespace on the secret provider (Secrets page, or PATCH /api/v1/secret-providers/:id with config.namespace), or leave it out for the root namespace.',
      });
    }
    let t = await currentToken(ref);
    let res = await call(agent, ref, { method: 'GET', url, headers: { 'x-vault-token': t.value, ...ns }, timeoutSec: config.timeoutSec });
    if (res.status === 403 && config.auth === 'approle') {
      // The token was revoked or expired early: log in once more before giving up.
      token = null;
      t = await currentToken(ref);
      res = await call(agent, ref, { method: 'GET', url, headers: { 'x-vault-token': t.value, ...ns }, timeoutSec: config.timeoutSec });
    }
    return res;
  }

  return {
    async fetch(ref: SecretRef, text: string) {
      if (ref.kind !== 'vault') throw unresolved(text, 'not a vault: reference');
      const res = await read(text, kvUrl(text, 'data', ref.path));
      if (res.status !== 200) throw refused(text, 'Vault', res.status, vaultErrors(res.json, own()), HINTS[res.status] ?? 'Vault refused the read.');
      const data = (res.json as { data?: { data?: Record<string, unknown>; metadata?: { version?: unknown } } } | undefined)?.data;
      if (!data?.data || typeof data.data !== 'object') throw unresolved(text, 'the answer is not a KV version 2 secret', { hint: 'Is the mount a KV version 2 engine? (vault secrets list -detailed shows its version)' });
      if (!(ref.field in data.data)) {
        throw unresolved(text, `the secret has no field "${ref.field}" (it has: ${Object.keys(data.data).slice(0, 20).join(', ') || 'none'})`, { hint: 'Name one of the fields the secret holds after the #.' });
      }
      const value = stringAt(text, data.data[ref.field], `field "${ref.field}"`);
      const v = data.metadata?.version;
      return { value, version: typeof v === 'number' || typeof v === 'string' ? String(v) : null };
    },
    async list(prefix: string) {
      const ref = `vault:${provider.id}/${prefix}`;
      const url = `${kvUrl(ref, 'metadata', prefix, true)}?list=true`;
      const res = await read(ref, url);
      // Vault answers 404 for an empty folder.
      if (res.status === 404) return [];
      if (res.status !== 200) throw refused(ref, 'Vault (list)', res.status, vaultErrors(res.json, own()), res.status === 403 ? 'The policy needs "list" on <mount>/metadata/<path> for the picker (reading works without it).' : 'Vault refused the listing.');
      const keys = (res.json as { data?: { keys?: unknown } } | undefined)?.data?.keys;
      return (Array.isArray(keys) ? keys : [])
        .filter((k): k is string => typeof k === 'string')
        .map((k) => {
          const path = prefix ? `${prefix}/${k}` : k;
          // A folder ends with "/": the picker opens it; a secret gets the usual field name, editable in the form.
          return k.endsWith('/') ? { name: path, reference: null, folder: true } : { name: path, reference: `vault:${provider.id}/${path}#password`, folder: false };
        });
    },
    close: () => agent.close(),
  };
}
