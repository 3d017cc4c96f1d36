import type { Agent } from 'undici';
import { unresolved } from '../../core/credentials/references.js';
import type { SecretInput } from '../../core/kernel/redact-secrets.js';
import { bodyExcerpt, call, excerpt, mediaTypeOf, type HttpAnswer } from '../providers/http.js';

/** A token is renewed this long before the endpoint said it expires (clock skew, request time). */
const EARLY_MS = 60_000;

/** The grant a token request used: the same OAuth2 error means another thing for each. */
export type TokenGrant = 'client_credentials' | 'refresh_token' | 'authorization_code';

/** Microsoft's AADSTS codes and OAuth2's error names, in the words of what to change. */
export function tokenHint(error: string, description: string, grant: TokenGrant = 'refresh_token'): string {
  if (/AADSTS7000215|invalid_client/.test(`${error} ${description}`)) return 'The client secret is wrong or expired: create a new one in the app registration (Certificates & secrets) and save it.';
  if (/AADSTS700016|unauthorized_client/.test(`${error} ${description}`)) return 'No application with that client id in this tenant: check the client id and the tenant id.';
  if (/AADSTS90002|AADSTS900023/.test(description)) return 'The tenant does not exist: check the tenant id (directory id).';
  if (/AADSTS70011|invalid_scope/.test(`${error} ${description}`)) return 'The scope is not valid for this application.';
  if (/invalid_grant/.test(error)) {
    // RFC 6749 §5.2: the grant itself is refused. During Connect that grant is the authorization code, not a refresh token.
    if (grant === 'authorization_code') {
      return 'The token endpoint refused the authorization code: it was already used (each code works once: a second tab, a reload, or a link scanner that opened the way back first), ' +
        "it expired (codes live a few minutes), or the redirect URI does not match the one the sign-in started with (the app registration must list Mailroom's callback address exactly). " +
        'Press Connect to connect the account again; if it fails the same way, check the redirect URI.';
    }
    if (grant === 'client_credentials') return 'The token endpoint refused the client-credentials grant: check the client id, the tenant and that the application may use this grant.';
    return 'The refresh token was revoked or expired (a password change or an admin revocation does that): connect the account again.';
  }
  return 'The token endpoint refused the request.';
}

/** A 5xx page or a page where a token was due: which of the two, in the admin's words. */
function notJsonHint(status: number): string {
  return status >= 500
    ? `The token endpoint failed on its side (HTTP ${status}) and answered with a page instead of OAuth2's JSON: the provider, or a proxy in front of it, has a problem. Try again later; if it lasts, check the provider's status and the token URL.`
    : "The token URL answered with something else than OAuth2's JSON: it probably points at another page than the token endpoint (the authorize endpoint, a portal, a proxy's sign-in page). Check the token URL.";
}

/**
 * Why an answer carries no token, in words: the endpoint's OAuth2 error (RFC 6749 §5.2) with
 * its hint, or what was wrong with the answer itself (not JSON, or JSON without the token), with
 * a short excerpt. `secrets`: the request's credentials, never quoted back.
 */
export function tokenRefusal(
  res: HttpAnswer,
  opts: { what: string; grant: TokenGrant; secrets: readonly SecretInput[]; wanted?: 'access_token' | 'refresh_token' },
): { message: string; hint: string; oauthError?: string } {
  const { what, secrets } = opts;
  const wanted = opts.wanted ?? 'access_token';
  const body = res.json;
  const fields = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (typeof fields?.error === 'string') {
    const error = excerpt(fields.error, secrets);
    const description = excerpt(fields.error_description, secrets);
    return { message: `${what} answered ${res.status}${error ? `: ${error}` : ''}${description ? ` ${description}` : ''}`, hint: tokenHint(error, description, opts.grant), oauthError: error || undefined };
  }
  if (body === undefined) {
    const type = mediaTypeOf(res.headers);
    const quoted = bodyExcerpt(res.text, secrets);
    return {
      message: quoted ? `${what} answered ${res.status} with ${type ?? 'a body'}, not JSON: "${quoted}"` : `${what} answered ${res.status} with an empty body, not JSON`,
      hint: notJsonHint(res.status),
    };
  }
  if (res.status !== 200) {
    return {
      message: `${what} answered ${res.status} without an OAuth2 error: "${bodyExcerpt(res.text, secrets)}"`,
      hint: res.status >= 500 ? `The token endpoint failed on its side (HTTP ${res.status}): try again later; if it lasts, check the provider's status.` : 'The token endpoint refused the request without saying why in OAuth2\'s terms: check the token URL.',
    };
  }
  const names = fields ? Object.keys(fields).slice(0, 12).join(', ') : '';
  const has = fields ? (names ? `the answer has: ${excerpt(names, secrets, 120)}` : 'the answer is an empty object') : 'the answer is not an object';
  return {
    message: `${what} answered 200 without an ${wanted === 'refresh_token' && typeof fields?.access_token !== 'string' ? 'access_token or a refresh_token' : wanted} (${has})`,
    hint: "The endpoint answered but gave no token: the token URL may point at another endpoint than OAuth2's token endpoint, or a proxy rewrites the answer. Check the token URL.",
  };
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
  /** The setting that raises timeoutSec, for a timeout's hint (default config.timeoutSec); null when it is fixed. */
  timeoutSetting?: string | null;
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
            timeoutSetting: opts.timeoutSetting,
            what: opts.what,
          });
          const body = res.json as { access_token?: unknown; expires_in?: unknown; refresh_token?: unknown } | undefined;
          if (res.status !== 200 || typeof body?.access_token !== 'string') {
            // An endpoint may quote the request it refuses: none of its secrets, nor the token in use, go further.
            const secrets = [...formSecrets(form), cached?.value];
            const grant: TokenGrant = form.grant_type === 'client_credentials' || form.grant_type === 'authorization_code' ? form.grant_type : 'refresh_token';
            const { message, hint, oauthError } = tokenRefusal(res, { what: opts.what, grant, secrets });
            throw unresolved(ref, message, { status: res.status, hint, oauthError });
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
