import { ErrorCodes } from '../kernel/errors.js';
import { providerText } from '../kernel/provider-text.js';
import type { OAuth2Provider } from './account-auth.js';

/**
 * What "Connect" came to, in words for the admin: the account's page shows `message` (and
 * `hint`); the address the browser is sent back to carries only `reason`, one of Mailroom's own
 * words or an error name from OAuth2's registered list, so nothing the provider wrote travels in
 * a header or a link. The provider's text is untrusted: it is made one line of bounded length
 * here, and shown as text.
 */
export interface ConnectOutcome {
  outcome: 'connected' | 'failed';
  /** null when connected; else what the address says (`?oauth2=failed&reason=…`). */
  reason: string | null;
  message: string;
  hint: string | null;
}

/** An account's last Connect outcome, and when it came (GET /accounts/:id/oauth2 `lastConnect`). */
export type LastConnect = ConnectOutcome & { at: number };

/** Each account's last Connect outcome, kept in the store: any process may take the browser back, any may show the page. */
export interface LastConnectRepository {
  /** Replaces the account's last outcome; nothing when the account is gone. */
  record(accountId: string, last: LastConnect): Promise<void>;
  get(accountId: string): Promise<LastConnect | null>;
}

/** Reasons of Mailroom's own, beside OAuth2's error names and MAILROOM_E_ codes. */
export const CONNECT_REASONS = {
  /** No sign-in in the store has that state: forged, or ended more than a day ago. */
  unknown: 'unknown',
  /** The way back came to a browser that did not press Connect (its cookie is missing). */
  otherBrowser: 'other_browser',
  expired: 'expired',
  used: 'used',
  noCode: 'no_code',
  /** Whoever pressed Connect may no longer change accounts (role, disabled, deleted, key revoked). */
  notPermitted: 'not_permitted',
  /** The provider's error name is not one of OAuth2's registered ones. */
  providerError: 'provider_error',
} as const;

/** RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6: the error names a provider may send back. */
const REGISTERED_ERRORS = new Set([
  'invalid_request',
  'unauthorized_client',
  'access_denied',
  'unsupported_response_type',
  'invalid_scope',
  'server_error',
  'temporarily_unavailable',
  'interaction_required',
  'login_required',
  'account_selection_required',
  'consent_required',
  'invalid_request_uri',
  'invalid_request_object',
  'request_not_supported',
  'request_uri_not_supported',
  'registration_not_supported',
]);

const DECLINED = 'The sign-in or the consent was declined: sign in as the mailbox and accept the permissions (or have an administrator grant consent to the app), then press Connect again.';
const INTERACTION = 'The provider needs you to sign in, or to choose the account, on its page: press Connect again and finish there.';
const CLIENT = 'The app registration does not allow this sign-in: check the client id, and that the app is a web application with the redirect URI shown on this page.';
const PROVIDER_TROUBLE = 'The provider had a problem of its own: press Connect again in a few minutes.';

/** What to change, per error name. */
const REFUSAL_HINTS: Record<string, string> = {
  access_denied: DECLINED,
  consent_required: DECLINED,
  interaction_required: INTERACTION,
  login_required: INTERACTION,
  account_selection_required: INTERACTION,
  unauthorized_client: CLIENT,
  unsupported_response_type: CLIENT,
  invalid_scope: "The app registration does not allow the scopes asked for (the account's Scope, or the provider's default): check its API permissions, then press Connect again.",
  invalid_request: 'The provider found the sign-in request wrong, most often because the redirect URI is not registered: register the one shown on this page, then press Connect again.',
  server_error: PROVIDER_TROUBLE,
  temporarily_unavailable: PROVIDER_TROUBLE,
};
const REFUSAL_HINT = 'Check the app registration (redirect URI, permissions, consent), then press Connect again.';

/** How long an error name and a description may be once cleaned (code points). */
const MAX_ERROR = 64;
const MAX_DESCRIPTION = 300;
const MAX_EXCHANGE_MESSAGE = 600;

/** "Microsoft", "Google", or "the provider": as the account page's Connect button names it. */
function providerName(p: OAuth2Provider): string {
  return p === 'microsoft' ? 'Microsoft' : p === 'google' ? 'Google' : 'the provider';
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export type ConnectFailure =
  | { kind: 'expired'; minutes: number }
  | { kind: 'used' }
  /** The provider sent the browser back with `error` (and maybe `error_description`), as given. */
  | { kind: 'refused'; error: unknown; description: unknown }
  | { kind: 'no_code' }
  /** Who pressed Connect lost the admin permission before the browser came back. */
  | { kind: 'not_permitted'; startedBy: string }
  /** Exchanging the code, or storing the refresh token, failed: a MailroomError's code and words. */
  | { kind: 'exchange'; code: string; message: string; hint?: string };

export const CONNECTED: ConnectOutcome = { outcome: 'connected', reason: null, message: 'Connected: the refresh token is stored (never shown).', hint: null };

/** The words for a failed Connect, and the reason the address carries. */
export function connectFailed(provider: OAuth2Provider, f: ConnectFailure): ConnectOutcome {
  const name = providerName(provider);
  const again = `press Connect with ${name} again`;
  const failed = (reason: string, message: string, hint: string | null = null): ConnectOutcome => ({ outcome: 'failed', reason, message, hint });
  switch (f.kind) {
    case 'expired':
      return failed(CONNECT_REASONS.expired, `The sign-in link expired after ${f.minutes} minutes: ${again} and finish signing in within ${f.minutes} minutes.`);
    case 'used':
      return failed(CONNECT_REASONS.used, `This sign-in link was already used (each works once): if the account still needs connecting, ${again}.`);
    case 'no_code':
      return failed(CONNECT_REASONS.noCode, `${capitalised(name)} sent the browser back without a sign-in code or an error: ${again}.`);
    case 'not_permitted':
      return failed(
        CONNECT_REASONS.notPermitted,
        `Nothing was stored: ${f.startedBy}, who pressed Connect, may no longer change accounts (their role changed, they were disabled or deleted, or the key was revoked) since the sign-in began.`,
        `An admin can ${again}.`,
      );
    case 'refused': {
      const error = providerText(f.error, MAX_ERROR);
      const description = providerText(f.description, MAX_DESCRIPTION);
      const registered = REGISTERED_ERRORS.has(error);
      const said = [error, description ? `"${description}"` : ''].filter(Boolean).join(': ');
      return failed(registered ? error : CONNECT_REASONS.providerError, `${capitalised(name)} refused the sign-in${said ? `: ${said}` : '.'}`, (registered ? REFUSAL_HINTS[error] : undefined) ?? REFUSAL_HINT);
    }
    case 'exchange':
      if (f.code === ErrorCodes.VERSION_CONFLICT) return failed(f.code, `The account was changed while you signed in, so the sign-in may be for other settings: nothing was stored. ${capitalised(again)}.`);
      if (f.code === ErrorCodes.INVALID_STATE) return failed(f.code, 'The account no longer logs in with OAuth2: nothing was stored.');
      // The message may quote the token endpoint's answer: untrusted as well.
      return failed(f.code, `${capitalised(name)} did not exchange the sign-in for a refresh token: ${providerText(f.message, MAX_EXCHANGE_MESSAGE)}`, f.hint ? providerText(f.hint, MAX_EXCHANGE_MESSAGE) : null);
  }
}
