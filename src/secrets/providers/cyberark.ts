import type { CyberArkConfig, ProviderCredentials, StoredSecretProvider } from '../../core/credentials/providers.js';
import type { SecretRef } from '../../core/credentials/references.js';
import { unresolved } from '../../core/credentials/references.js';
import type { ProviderAdapter } from './adapter.js';
import { refused, stringAt } from './adapter.js';
import { call, excerpt, providerAgent } from './http.js';
import type { SecretInput } from '../../core/kernel/redact-secrets.js';

/** CCP's error, without `secrets` (the client key: nothing else of ours authenticates to CCP). */
function ccpError(json: unknown, secrets: readonly SecretInput[]): { code: string; message: string } {
  const e = json as { ErrorCode?: unknown; ErrorMsg?: unknown } | undefined;
  return { code: typeof e?.ErrorCode === 'string' ? excerpt(e.ErrorCode, secrets) : '', message: excerpt(e?.ErrorMsg, secrets) };
}

/** CCP's error codes, in the words of what to change. */
function hintFor(status: number, code: string): string {
  if (code === 'APPAP004E' || status === 404) return 'No object matches: check the safe and object names, and that the application\'s provider user is a member of the safe.';
  if (/APPAP2(27|28|29|82)E|APPAP306E/.test(code) || status === 403) return 'CCP did not authorize the application: check the AppID, its allowed machines, and that the client certificate (its serial or subject) is registered for it.';
  if (code === 'APPAP008E' || status === 400) return 'CCP refused the query: the AppID, safe or object is malformed.';
  return 'The Central Credential Provider refused the request.';
}

/**
 * CyberArk Central Credential Provider (AAM): `GET /AIMWebService/api/Accounts?AppID&Safe&Object`
 * over TLS with the application's client certificate; the password is `Content`.
 */
export function cyberArkAdapter(provider: StoredSecretProvider, credentials: ProviderCredentials): ProviderAdapter {
  const config = provider.config as CyberArkConfig;
  const agent = providerAgent({
    caCertificate: config.caCertificate,
    clientCertificate: config.clientCertificate,
    clientKey: (credentials as { clientKey: string }).clientKey,
    timeoutSec: config.timeoutSec,
  });
  return {
    async fetch(ref: SecretRef, text: string) {
      if (ref.kind !== 'cyberark') throw unresolved(text, 'not a cyberark: reference');
      const q = new URLSearchParams({ AppID: config.appId, Safe: ref.safe, Object: ref.object });
      const res = await call(agent, text, { method: 'GET', url: `${config.baseUrl}/AIMWebService/api/Accounts?${q.toString()}`, timeoutSec: config.timeoutSec });
      if (res.status !== 200) {
        const e = ccpError(res.json, [(credentials as { clientKey: string }).clientKey]);
        throw refused(text, 'CyberArk CCP', res.status, [e.code, e.message].filter(Boolean).join(' '), hintFor(res.status, e.code));
      }
      const body = res.json as { Content?: unknown; PasswordChangeInProcess?: unknown; CPMStatus?: unknown } | undefined;
      // CCP versions nothing; its CPM status and last change say which value this is, where configured.
      return { value: stringAt(text, body?.Content, 'Content'), version: null };
    },
    close: () => agent.close(),
  };
}
