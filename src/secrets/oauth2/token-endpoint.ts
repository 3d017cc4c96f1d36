import type { Agent } from 'undici';
import { unresolved } from '../../core/credentials/references.js';
import { call, excerpt } from '../providers/http.js';

/** A token is renewed this long before the endpoint said it expires (clock skew, request time). */
const EARLY_MS = 60_000;

/** Microsoft's AADSTS codes and OAuth2's error names, in the words of what to change. */
export function tokenHint(error: string, description: string): string {
  if (/AADSTS7000215|invalid_client/.test(`${error} ${description}`)) return 'The client secret is wrong or expired: create a new one in the app registration (Certificates & secrets) and save it.';
  if (/AADSTS700016|unauthorized_client/.test(`${error} ${description}`)) return 'No application with that client id in this tenant: check the client id and the tenant id.';
  if (/AADSTS90002|AADSTS900023/.test(description)) return 'The tenant does not exist: check the tenant id (directory id).';
  if (/AADSTS70011|invalid_scope/.test(`${error} ${description}`)) return 'The scope is not valid for this application.';
  if (/invalid_grant/.test(error)) return 'The refresh token was revoked or expired (a password change or an admin revocation does that): connect the account again.';
  return 'The token endpoint refused the request.';
}

/** The form fields that hold a credential (RFC 6749 §2.3.1, §4.1.3, §6; RFC 7636; RFC 7523). */
const SECRET_FIELDS = ['client_secret', 'refresh_token', 'code', 'code_verifier', 'client_assertion', 'assertion', 'password'] as const;

/** The credentials a token request carries: what the endpoint's error text must not show. */
export function formSecrets(form: Record<string, string>): string[] {
  return SECRET_FIELDS.map((f) => form[f]).filter((v): v is string => typeof v === 'string' && v !== '');
}

export interface TokenSource {
  /**
   * A valid access token, fetched or renewed when needed (one request at a time). `anew`
   * fetches one even while the cached token is valid (an admin's check); if that fails the
   * cached token stays for the senders until it expires.
   */
  get(ref: string, opts?: { anew?: boolean }): Promise<string>;
  /** Drops the cached token (it was refused before its expiry). */
  forget(): void;
  /** When the cached token expires, or null when none is cached. */
  expiresAt(): number | null;
}

/**
 * An OAuth2 token from a token endpoint (RFC 6749 §4.4 client credentials, or §6 refresh),
 * cached until shortly before `expires_in` runs out. The form body is what Microsoft, Google
 * and any standard endpoint accept.
 */
export function tokenEndpointSource(opts: {
  agent: Agent;
  tokenUrl: string;
  form: () => Promise<Record<string, string>> | Record<string, string>;
  timeoutSec: number;
  what: string;
  now?: () => number;
  /** A new refresh token in an answer (rotation): handed over to be stored. */
  onRefreshToken?: (token: string) => Promise<void> | void;
}): TokenSource {
  const now = opts.now ?? Date.now;
  let cached: { value: string; expiresAt: number } | null = null;
  let pending: Promise<string> | null = null;
  return {
    get(ref, { anew = false } = {}) {
      if (!anew && cached && cached.expiresAt - EARLY_MS > now()) return Promise.resolve(cached.value);
      pending ??= (async () => {
        try {
          const form = await opts.form();
          const res = await call(opts.agent, ref, {
            method: 'POST',
            url: opts.tokenUrl,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams(form).toString(),
            timeoutSec: opts.timeoutSec,
            what: opts.what,
          });
          const body = res.json as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown; refresh_token?: unknown } | undefined;
          if (res.status !== 200 || typeof body?.access_token !== 'string') {
            // An endpoint may quote the request it refuses: none of its secrets, nor the token in use, go further.
            const secrets = [...formSecrets(form), cached?.value];
            const error = typeof body?.error === 'string' ? excerpt(body.error, secrets) : '';
            const description = excerpt(body?.error_description, secrets);
            throw unresolved(ref, `${opts.what} answered ${res.status}${error ? `: ${error}` : ''}${description ? ` ${description}` : ''}`, { status: res.status, hint: tokenHint(error, description), oauthError: error || undefined });
          }
          const seconds = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in) || 3600;
          cached = { value: body.access_token, expiresAt: now() + seconds * 1000 };
          if (typeof body.refresh_token === 'string' && body.refresh_token) await opts.onRefreshToken?.(body.refresh_token);
          return cached.value;
        } finally {
          pending = null;
        }
      })();
      return pending;
    },
    forget() {
      cached = null;
    },
    expiresAt: () => cached?.expiresAt ?? null,
  };
}

/** The client-credentials grant (a daemon's own token, e.g. for Key Vault or Microsoft 365 SMTP). */
export function clientCredentialsToken(opts: { agent: Agent; tokenUrl: string; clientId: string; clientSecret: string; scope: string; timeoutSec: number; what: string; now?: () => number }): TokenSource {
  return tokenEndpointSource({
    ...opts,
    form: () => ({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret, scope: opts.scope }),
  });
}
