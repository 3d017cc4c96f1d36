import type { AzureKeyVaultConfig, ProviderCredentials, StoredSecretProvider } from '../../core/credentials/providers.js';
import type { SecretRef } from '../../core/credentials/references.js';
import { unresolved } from '../../core/credentials/references.js';
import type { ProviderAdapter } from './adapter.js';
import { refused, stringAt } from './adapter.js';
import { call, excerpt, providerAgent } from './http.js';
import { clientCredentialsToken } from '../oauth2/token-endpoint.js';
import type { SecretInput } from '../../core/kernel/redact-secrets.js';

/** The Key Vault REST API version Mailroom speaks. */
export const KEY_VAULT_API_VERSION = '7.4';
/** The resource every Key Vault token is for, whatever the vault's host name. */
const KEY_VAULT_SCOPE = 'https://vault.azure.net/.default';
/** Pages of the secret list the picker reads at most (25 names each). */
const MAX_LIST_PAGES = 20;

/** Key Vault's error, without `secrets` (it may quote the bearer token it refused). */
function kvError(json: unknown, secrets: readonly SecretInput[]): { code: string; message: string } {
  const e = (json as { error?: { code?: unknown; message?: unknown; innererror?: { code?: unknown } } } | undefined)?.error;
  const inner = typeof e?.innererror?.code === 'string' ? `/${e.innererror.code}` : '';
  return { code: excerpt(`${typeof e?.code === 'string' ? e.code : ''}${inner}`, secrets), message: excerpt(e?.message, secrets) };
}

function hintFor(status: number, code: string): string {
  if (status === 404) return 'No secret (or no such version) by that name in this vault: check the name as the portal shows it.';
  if (status === 403 && /ForbiddenByPolicy|AccessDenied/.test(code)) return 'The app registration may not read secrets: give it the "Key Vault Secrets User" role (RBAC) or a "Get" secret permission (access policy).';
  if (status === 403) return 'Key Vault refused access: check the role assignment and the vault firewall (networking) settings.';
  if (status === 401) return 'The token was not accepted: check the tenant id (the vault must be in the same tenant).';
  return 'Key Vault refused the request.';
}

/**
 * Azure Key Vault: a client-credentials token from the Microsoft identity platform
 * (`POST <authority>/<tenant>/oauth2/v2.0/token`, scope https://vault.azure.net/.default),
 * cached until shortly before it expires, then `GET <vault>/secrets/<name>/<version>`.
 */
export function azureKeyVaultAdapter(provider: StoredSecretProvider, credentials: ProviderCredentials): ProviderAdapter {
  const config = provider.config as AzureKeyVaultConfig;
  const agent = providerAgent({ caCertificate: config.caCertificate, timeoutSec: config.timeoutSec });
  const token = clientCredentialsToken({
    agent,
    tokenUrl: `${config.authorityHost}/${encodeURIComponent(config.tenantId)}/oauth2/v2.0/token`,
    clientId: config.clientId,
    clientSecret: (credentials as { clientSecret: string }).clientSecret,
    scope: KEY_VAULT_SCOPE,
    timeoutSec: config.timeoutSec,
    what: 'Microsoft identity platform',
  });

  // The bearer tokens sent: with the client secret, what Key Vault's words must not carry out.
  const sent = new Set<string>();
  const own = (): SecretInput[] => [(credentials as { clientSecret: string }).clientSecret, ...sent];
  const bearer = async (ref: string) => {
    const t = await token.get(ref);
    sent.add(t);
    if (sent.size > 4) sent.delete(sent.values().next().value as string);
    return `Bearer ${t}`;
  };

  async function get(ref: string, url: string) {
    let res = await call(agent, ref, { method: 'GET', url, headers: { authorization: await bearer(ref) }, timeoutSec: config.timeoutSec });
    if (res.status === 401) {
      // A token revoked before its expiry: fetch a new one once.
      token.forget();
      res = await call(agent, ref, { method: 'GET', url, headers: { authorization: await bearer(ref) }, timeoutSec: config.timeoutSec });
    }
    return res;
  }

  return {
    async fetch(ref: SecretRef, text: string) {
      if (ref.kind !== 'azure-keyvault') throw unresolved(text, 'not an azure-keyvault: reference');
      const url = `${config.vaultUrl}/secrets/${encodeURIComponent(ref.name)}${ref.version ? `/${encodeURIComponent(ref.version)}` : ''}?api-version=${KEY_VAULT_API_VERSION}`;
      const res = await get(text, url);
      if (res.status !== 200) {
        const e = kvError(res.json, own());
        throw refused(text, 'Key Vault', res.status, [e.code, e.message].filter(Boolean).join(' '), hintFor(res.status, e.code));
      }
      const body = res.json as { value?: unknown; id?: unknown; attributes?: { enabled?: unknown } } | undefined;
      if (body?.attributes?.enabled === false) throw unresolved(text, 'the secret (version) is disabled in Key Vault', { hint: 'Enable it in the portal or name an enabled version.' });
      const value = stringAt(text, body?.value, 'value');
      // The id ends with /secrets/<name>/<version>.
      const version = typeof body?.id === 'string' ? (body.id.split('/').pop() ?? null) : null;
      return { value, version };
    },
    async list() {
      const ref = `azure-keyvault:${provider.id}/`;
      const origin = new URL(config.vaultUrl).origin;
      const out: { name: string; reference: string; folder: boolean }[] = [];
      let url: string | null = `${config.vaultUrl}/secrets?api-version=${KEY_VAULT_API_VERSION}&maxresults=25`;
      for (let page = 0; url && page < MAX_LIST_PAGES; page++) {
        const res = await get(ref, url);
        if (res.status !== 200) {
          const e = kvError(res.json, own());
          throw refused(ref, 'Key Vault (list)', res.status, [e.code, e.message].filter(Boolean).join(' '), res.status === 403 ? 'Listing needs the "List" secret permission (the "Key Vault Secrets User" role has it); reading works without it.' : hintFor(res.status, e.code));
        }
        const body = res.json as { value?: { id?: unknown; attributes?: { enabled?: unknown } }[]; nextLink?: unknown } | undefined;
        for (const item of body?.value ?? []) {
          const name = typeof item.id === 'string' ? item.id.split('/').pop() : undefined;
          if (name && item.attributes?.enabled !== false) out.push({ name, reference: `azure-keyvault:${provider.id}/${name}`, folder: false });
        }
        // Follow nextLink only within the vault: the bearer token goes where the link points.
        const next: unknown = body?.nextLink;
        url = typeof next === 'string' && next && new URL(next).origin === origin ? next : null;
      }
      return out;
    },
    close: () => agent.close(),
  };
}
